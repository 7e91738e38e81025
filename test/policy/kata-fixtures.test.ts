import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseToml } from "smol-toml";
import { PolicySession } from "../../src/policy/evaluate.ts";
import { type GeneratedPod, generateDeployment } from "../../src/policy/generate-deployment.ts";
import type { ImageConfig } from "../../src/policy/image/image-config.ts";
import { POLICY_KEY } from "../../src/policy/initdata.ts";
import { fillRequestDefaults } from "../../src/policy/requests/protobuf-defaults.ts";
import { defaultSettings } from "../../src/policy/settings.ts";
import { testdata } from "../support/testdata.ts";
import { fakeImageResolver, testGenerateOptions } from "./fake-images.ts";

const KATA = testdata("policy", "kata");
const PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// Image configs as the recorded requests show them (the fixtures do not ship the images; the registry path
// is tested separately against a local registry).
const IMAGES: Record<string, ImageConfig> = {
  "ghcr.io/burgerdev/weird-images/gid": { Entrypoint: ["/entrypoint.sh"], Env: [PATH_ENV] },
  "registry.k8s.io/pause": { Entrypoint: ["/pause"], Env: [PATH_ENV] },
  "quay.io/opstree/redis": {
    Entrypoint: ["/usr/bin/entrypoint.sh"],
    Env: [PATH_ENV, "REDIS_PORT=6379"],
    WorkingDir: "/data",
    Volumes: ["/data", "/node-conf"],
  },
};

type Json = Record<string, unknown>;
interface Case {
  kind: string;
  allowed: boolean;
  description: string;
  request: Json;
}

async function generateFixture(folder: string): Promise<GeneratedPod> {
  const dir = join(KATA, folder);
  const files = ["pod.yaml", "config_map.yaml"]
    .filter((f) => existsSync(join(dir, f)))
    .map((f) => ({
      path: f,
      text: readFileSync(join(dir, f), "utf8").replace("kata-cc-isolation", "contrast-cc"),
    }));
  // The recorded pods have no Initializer.
  const r = await generateDeployment(
    testGenerateOptions(files, { skipInitializer: true, imageResolver: fakeImageResolver(IMAGES) }),
  );
  expect(r.pods.length).toBe(1);
  return r.pods[0] as GeneratedPod;
}

function cases(folder: string): Case[] {
  return JSON.parse(readFileSync(join(KATA, folder, "testcases.json"), "utf8")) as Case[];
}

/**
 * Adapters for Kata-specific recordings, each explained:
 * - requests without `io.kubernetes.cri.container-type` / sandbox-id annotations (config_map, container_image)
 *   get the values the CRI always sets, since our rules select the policy entry by them;
 * - app containers recorded without an `image_guest_pull` storage get one with the digest the policy pins,
 *   because Kata at that commit did not pin images and we do;
 * - the literal Kata placeholder `HOSTNAME=$(host-name)` becomes the pod's real hostname, and env the runtime
 *   always sets (PATH, HOSTNAME) is added where the sparse recording left Env empty;
 * - the Kata placeholder `$(default_caps)` in recorded capability lists becomes the list it stands for.
 */
function adapt(folder: string, req: Json, pod: GeneratedPod): Json {
  const input = fillRequestDefaults("CreateContainerRequest", req);
  const oci = input.OCI as Json;
  const a = oci.Annotations as Record<string, string>;
  const proc = oci.Process as Json;
  if (a["io.kubernetes.cri.container-type"] === undefined) {
    a["io.kubernetes.cri.container-type"] = "container";
    a["io.katacontainers.pkg.oci.container_type"] = "pod_container";
  }
  a["io.kubernetes.cri.sandbox-id"] ??= "0".repeat(64);
  const app = pod.policyData.containers[1];
  const isApp = a["io.kubernetes.cri.container-type"] === "container";
  if (isApp && (input.storages as Json[]).length === 0 && app?.image !== null && app !== undefined) {
    input.storages = [
      {
        driver: "image_guest_pull",
        driver_options: [],
        source: `${app.image.repository}@${app.image.digest}`,
        fstype: "overlay",
        options: [],
        mount_point: (oci.Root as Json).Path,
        fs_group: null,
        shared: false,
      },
    ];
  }
  const caps = proc.Capabilities as Record<string, string[]>;
  for (const k of Object.keys(caps)) {
    caps[k] = (caps[k] ?? []).flatMap((c) =>
      c === "$(default_caps)" ? [...defaultSettings().common.default_caps] : [c],
    );
  }
  if (isApp) {
    const env = (proc.Env as string[]).map((e) =>
      e === "HOSTNAME=$(host-name)" ? `HOSTNAME=${a["io.kubernetes.cri.sandbox-name"]}` : e,
    );
    if (folder.endsWith("config_map")) env.push(PATH_ENV, `HOSTNAME=${a["io.kubernetes.cri.sandbox-name"]}`);
    proc.Env = env;
  }
  return input;
}

const FOLDERS = [
  "createcontainer/env_vars",
  "createcontainer/generate_name",
  "createcontainer/ignored_fields",
  "createcontainer/network_namespace",
  "createcontainer/volumes/config_map",
  "createcontainer/volumes/container_image",
  "state/createcontainer",
];

function policyText(pod: GeneratedPod): string {
  const doc = parseToml(new TextDecoder().decode(pod.initdataToml)) as { data: Record<string, string> };
  return doc.data[POLICY_KEY] as string;
}

describe("Kata fixtures through generate and the Rego evaluator", () => {
  let requests = 0;
  let allowed = 0;
  for (const folder of FOLDERS) {
    test(`${folder} → recorded decisions reproduced, in order, with state`, async () => {
      const pod = await generateFixture(folder);
      const session = new PolicySession(policyText(pod));
      for (const c of cases(folder)) {
        requests++;
        const input =
          c.kind === "CreateContainerRequest"
            ? adapt(folder, c.request, pod)
            : fillRequestDefaults(c.kind, c.request);
        const d = session.evaluate({ kind: c.kind, request: input });
        expect({ description: c.description, allowed: d.allowed }).toEqual({
          description: c.description,
          allowed: c.allowed,
        });
        if (d.allowed) allowed++;
      }
    });
  }
  test("every fixture request → evaluated: 7 folders, 13 requests, 9 allowed, 4 denied", () => {
    expect(FOLDERS.length).toBe(7);
    expect(requests).toBe(13);
    expect(allowed).toBe(9);
    expect(requests - allowed).toBe(4);
  });
});

describe("Kata fixture policy data", () => {
  test("env_vars → label value pinned, other values absent", async () => {
    const pod = await generateFixture("createcontainer/env_vars");
    const env = pod.policyData.containers[1]?.Process.Env ?? [];
    expect(env).toContainEqual({ exact: "TEST_VAR1=test-value1" });
    expect(JSON.stringify(env)).not.toContain("test-value12");
    expect(pod.policyData.containers[1]?.image?.digest).toBe(
      "sha256:bdbb485bb9e3baf381a2957b9369b6051c6113097a5f8dcee27faff17624a2c0",
    );
  });

  test("generate_name → sandbox name regex takes the prefix plus a k8s random suffix only", async () => {
    const pod = await generateFixture("createcontainer/generate_name");
    expect(new RegExp(pod.policyData.pod.name_regex).test("dummysfx")).toBe(true);
    expect(new RegExp(pod.policyData.pod.name_regex).test("xyzdummy")).toBe(false);
  });

  test("container_image → image VOLUMEs become shared bind mounts", async () => {
    const pod = await generateFixture("createcontainer/volumes/container_image");
    const dests = pod.policyData.containers[1]?.Mounts.map((m) => m.destination);
    expect(dests).toContain("/data");
    expect(dests).toContain("/node-conf");
  });
});
