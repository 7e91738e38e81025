// Every volume type with mount paths at the edges ("/", trailing "/", "//", "..", very long) through `generate`
// and `contrast policy check`: the generated pod's own requests are allowed, mutated ones denied, and paths the
// runtime could not mount where the policy says are refused by generate.

import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registerPolicy } from "../../src/cli/policy.ts";
import { ConfigError } from "../../src/common/errors.ts";
import { generateDeployment } from "../../src/policy/generate-deployment.ts";
import { MemoryLayersCache } from "../../src/policy/image/layers-cache.ts";
import { type AgentRequest, parseAgentRequests } from "../../src/policy/requests/agent-request.ts";
import { MAX_SHARED_NAME_BYTES } from "../../src/policy/shared-file-name.ts";
import { fakeImageResolver, testGenerateOptions } from "../policy/fake-images.ts";
import { runInProcess } from "../support/run-in-process.ts";

const DIR = mkdtempSync(join(tmpdir(), "policy-volumes-"));
const IMAGE = "registry.example/agent:1";
const VOLUME_IMAGE = "registry.example/volumes:1";
const resolver = fakeImageResolver({
  "registry.example/volumes": { Entrypoint: ["/run"], Env: ["PATH=/bin"], Volumes: ["/data/", "//state//"] },
});

type Json = Record<string, unknown>;

interface Case {
  readonly name: string;
  readonly volume?: Json;
  readonly mount?: Json;
  readonly image?: string;
  readonly kind?: "DaemonSet" | "StatefulSet";
  /** The container path the case is about (for finding its shared file and mount). */
  readonly path: string;
}

/** A volume mounted at `mountPath`: the path the case is about is where it is mounted. */
function mounted(name: string, volume: Json, mountPath: string, mount: Json = {}): Case {
  return { name, volume, mount: { mountPath, ...mount }, path: mountPath };
}

const LONG = `/srv/${"x".repeat(MAX_SHARED_NAME_BYTES)}`;

const CASES: readonly Case[] = [
  mounted("hostPath / (a node agent)", { hostPath: { path: "/" } }, "/host"),
  mounted("hostPath with trailing / at a trailing /", { hostPath: { path: "/var/log/" } }, "/var/log/"),
  mounted("hostPath file", { hostPath: { path: "/etc/localtime", type: "File" } }, "/etc/localtime"),
  mounted("configMap at //etc//config//", { configMap: { name: "cfg" } }, "//etc//config//"),
  mounted("configMap file by subPath", { configMap: { name: "cfg" } }, "/etc/app/app.conf", {
    subPath: "app.conf",
  }),
  mounted("secret at a long path", { secret: { secretName: "s" } }, LONG),
  mounted("downwardAPI", { downwardAPI: { items: [] } }, "/podinfo"),
  mounted("projected", { projected: { sources: [] } }, "/var/run/projected/"),
  mounted("persistentVolumeClaim", { persistentVolumeClaim: { claimName: "c" } }, "/data"),
  {
    name: "volumeClaimTemplate",
    kind: "StatefulSet",
    mount: { mountPath: "/var/lib/db/" },
    path: "/var/lib/db/",
  },
  { name: "image VOLUME with a trailing /", image: VOLUME_IMAGE, path: "/data/" },
  { name: "image VOLUME written //state//", image: VOLUME_IMAGE, path: "//state//" },
];

const EMPTY_DIRS: readonly Case[] = [
  mounted("emptyDir at a trailing /", { emptyDir: {} }, "/cache/"),
  mounted("emptyDir in memory", { emptyDir: { medium: "Memory" } }, "/scratch"),
];

// [path, what, also for emptyDir (whose mounts are not shared files, so a long name is fine there)]
const REFUSED: readonly [string, string, boolean][] = [
  ["/", "the root", true],
  ["//", "the root written //", true],
  ["/data/..", "a .. element", true],
  ["/data/./x", "a . element", true],
  ["data", "a relative path", true],
  [`/srv/${"x".repeat(MAX_SHARED_NAME_BYTES + 1)}`, "a last element longer than a shared name allows", false],
];

function workload(c: Case, i: number, mountPath?: string): string {
  const name = `vol-${i}`;
  const volumeMounts =
    c.mount === undefined ? [] : [{ name: "v", ...c.mount, ...(mountPath ? { mountPath } : {}) }];
  const spec = {
    runtimeClassName: "contrast-cc",
    containers: [{ name: "app", image: c.image ?? IMAGE, volumeMounts }],
    ...(c.volume === undefined ? {} : { volumes: [{ name: "v", ...c.volume }] }),
  };
  const kind = c.kind ?? "DaemonSet";
  const claims =
    kind === "StatefulSet" ? { volumeClaimTemplates: [{ metadata: { name: "v" } }], serviceName: name } : {};
  return JSON.stringify({
    apiVersion: "apps/v1",
    kind,
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      ...claims,
      template: { metadata: { labels: { app: name } }, spec },
    },
  });
}

async function generate(text: string) {
  return generateDeployment(
    testGenerateOptions([{ path: "w.yaml", text }], { skipInitializer: true, imageResolver: resolver }),
  );
}

const ALL = [...CASES, ...EMPTY_DIRS];
const generated = await generate(ALL.map((c, i) => workload(c, i)).join("\n---\n"));
const FILE = join(DIR, "workloads.yaml");
writeFileSync(FILE, generated.outputs[0]!.text);
const cache = new MemoryLayersCache();
for (const ref of [IMAGE, VOLUME_IMAGE]) {
  const r = await resolver(ref);
  cache.set(r.digest, r.config);
}
const CACHE = join(DIR, "layers-cache.json");
writeFileSync(CACHE, cache.toJSON());

afterEach(() => {
  process.exitCode = 0;
});

function check(...args: string[]) {
  return runInProcess(registerPolicy, ["policy", "check", FILE, "--layers-cache", CACHE, ...args]);
}

async function builtRequests(pod: string): Promise<AgentRequest[]> {
  const r = await check("--pod", pod, "--print-requests");
  expect(r.code).toBe(0);
  return parseAgentRequests(r.stdout);
}

async function checkRequests(pod: string, requests: readonly AgentRequest[]) {
  const path = join(DIR, `${pod}-${Math.random().toString(16).slice(2)}.jsonl`);
  writeFileSync(path, requests.map((x) => JSON.stringify(x)).join("\n"));
  return check("--pod", pod, "--request", path);
}

/** Go's filepath.Base for the test's own expectations. */
const base = (p: string) => p.replace(/\/+$/, "").split("/").pop() as string;

describe("policy check: volumes at the edges", () => {
  test("every generated workload → all of its requests allowed, exit 0", async () => {
    const r = await check();
    expect(r.stdout).not.toContain("denied");
    expect(r.code).toBe(0);
    expect(generated.pods.length).toBe(ALL.length);
  });

  let ran = 0;
  for (const [i, c] of CASES.entries()) {
    const pod = `vol-${i}`;
    const isEntry = (r: AgentRequest) =>
      r.kind === "CopyFileRequest" && String(r.request.path).endsWith(`-${base(c.path)}`);

    test(`${c.name} → shared as <id>-<16 hex>-${base(c.path).slice(0, 20)}, allowed`, async () => {
      const reqs = await builtRequests(pod);
      const entry = reqs.find(isEntry);
      expect(entry?.request.path).toMatch(
        /^\/run\/kata-containers\/shared\/containers\/[0-9a-f]{64}-[0-9a-f]{16}-[^/]+$/,
      );
      expect((await checkRequests(pod, reqs)).code).toBe(0);
      ran++;
    });

    const entryOf = (reqs: AgentRequest[]) => reqs.find(isEntry)!.request as Json;
    const mutations: readonly [string, (reqs: AgentRequest[]) => void][] = [
      [
        "its entry copied as a symlink",
        (reqs) => {
          const e = entryOf(reqs);
          e.file_type = "Symlink";
          e.symlink_target = "x";
        },
      ],
      ["its entry path with /.. appended", (reqs) => (entryOf(reqs).path = `${entryOf(reqs).path}/..`)],
      [
        "its entry path with // inserted",
        (reqs) => (entryOf(reqs).path = String(entryOf(reqs).path).replace("/containers/", "/containers//")),
      ],
      [
        "its mount pointed at another entry",
        (reqs) => {
          const create = reqs.findLast((r) => r.kind === "CreateContainerRequest")!;
          const mounts = (create.request.OCI as { Mounts: { destination: string; source: string }[] }).Mounts;
          const m = mounts.find((x) => x.destination === c.path)!;
          m.source = m.source.replace(/-[^-/]+$/, "-hosts");
        },
      ],
    ];
    for (const [what, mutate] of mutations) {
      test(`${c.name}, ${what} → denied, exit 5`, async () => {
        const reqs = await builtRequests(pod);
        mutate(reqs);
        const r = await checkRequests(pod, reqs);
        expect(r.stdout).toContain("denied");
        expect(r.code).toBe(5);
        ran++;
      });
    }
  }

  for (const [i, c] of EMPTY_DIRS.entries()) {
    const pod = `vol-${CASES.length + i}`;
    test(`${c.name} → storage and mount allowed; mount moved elsewhere → denied`, async () => {
      const reqs = await builtRequests(pod);
      expect((await checkRequests(pod, reqs)).code).toBe(0);
      const create = reqs.findLast((r) => r.kind === "CreateContainerRequest")!;
      const m = (create.request.OCI as { Mounts: { destination: string }[] }).Mounts.find(
        (x) => x.destination === c.path,
      )!;
      m.destination = `${c.path}x`;
      expect((await checkRequests(pod, reqs)).code).toBe(5);
      ran++;
    });
  }

  for (const [path, what, emptyDirToo] of REFUSED) {
    const kinds = emptyDirToo ? [CASES[0]!, CASES[3]!, EMPTY_DIRS[0]!] : [CASES[0]!, CASES[3]!];
    for (const [j, c] of kinds.entries()) {
      test(`generate with ${c.name.split(" ")[0]} mounted at ${what} → ConfigError mount_path_invalid`, async () => {
        const err = await generate(workload(c, j, path)).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ConfigError);
        expect((err as ConfigError).code).toBe("mount_path_invalid");
        ran++;
      });
    }
  }

  test("every case → ran", () => {
    expect(ran).toBe(CASES.length * 5 + EMPTY_DIRS.length + REFUSED.length * 3 - 1);
    expect(ran).toBe(79);
  });
});
