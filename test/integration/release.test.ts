// `make release` to a password-protected registry on loopback, then the README's walkthrough with the released CLI:
// emojivoto in its own namespace, the Coordinator in `default`, every image from that registry, on the sim TEE.
// Needs docker-registry, umoci, skopeo (Debian); skipped with a message when one is missing.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { COORDINATOR_IMAGE, INITIALIZER_IMAGE } from "../../src/kube/release-images.ts";
import { parseImageReference } from "../../src/policy/image/image-reference.ts";
import { RegistryClient } from "../../src/policy/image/registry-client.ts";
import { createCredentialStore } from "../../src/policy/image/registry-credentials.ts";
import { freePort, REPO, waitForHttp } from "../support/harness.ts";
import {
  missingRegistryTools,
  pushTinyImage,
  sh,
  startRegistry,
  type TestRegistry,
  writeAuthFile,
} from "../support/registry.ts";
import { testdata } from "../support/testdata.ts";

const missing = missingRegistryTools(["make", "git"]);
if (missing.length > 0) console.warn(`release: SKIPPED, ${missing.join(", ")} not on PATH`);

const PASSWORD = "Rel3ase-Pa55:word";
const VERSION = "0.0.1-test";
const NAMES = ["coordinator", "initializer", "node-installer", "service-mesh"] as const;

interface Run {
  code: number;
  out: string;
}

async function run(cmd: string[], env: Record<string, string> = {}, cwd = REPO): Promise<Run> {
  const p = Bun.spawn(cmd, { cwd, env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
  const [o, e, code] = await Promise.all([
    new Response(p.stdout).text(),
    new Response(p.stderr).text(),
    p.exited,
  ]);
  return { code, out: o + e };
}

describe.skipIf(missing.length > 0)("make release to a password-protected registry", () => {
  const root = mkdtempSync(join(tmpdir(), "contrast-release-"));
  const out = join(root, "release");
  const home = join(root, "home");
  let registry: TestRegistry | undefined;
  let release: Run = { code: -1, out: "" };
  const refs: Record<string, string> = {};
  let authFile = "";
  /** No credential source but the auth file, so nothing on this machine helps by accident. */
  let env: Record<string, string> = {};
  let coordinator: ReturnType<typeof Bun.spawn> | undefined;
  let walkthrough:
    | {
        contrast: (args: string[], extra?: Record<string, string>) => Promise<Run>;
        generate: () => Promise<Run>;
        policyOf: (san: string) => string;
        deploy: string;
        userApi: string;
      }
    | undefined;

  beforeAll(async () => {
    registry = await startRegistry({ releaser: PASSWORD });
    mkdirSync(home);
    authFile = writeAuthFile(join(root, "auth.json"), registry.host, "releaser", PASSWORD);
    env = {
      HOME: home,
      REGISTRY_AUTH_FILE: authFile,
      XDG_RUNTIME_DIR: "",
      XDG_CONFIG_HOME: "",
      DOCKER_CONFIG: "",
    };
    release = await run(
      ["make", "-s", "release", `REGISTRY=${registry.host}/contrast`, `VERSION=${VERSION}`],
      {
        ...env,
        RELEASE_OUT: out,
        TLS_VERIFY: "false",
        AUTHFILE: authFile,
      },
    );
    for (const line of readFileSync(join(out, "images.txt"), "utf8").trim().split("\n")) {
      const [name, ref] = line.split("\t");
      refs[name as string] = ref as string;
    }
  }, 240_000);

  afterAll(() => {
    coordinator?.kill(9);
    registry?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  test("release → exit 0, every image pushed and pinned by digest, no credential printed", () => {
    if (release.code !== 0) console.error(release.out);
    expect(release.code).toBe(0);
    for (const name of NAMES)
      expect(refs[name]).toMatch(
        new RegExp(`^${registry!.host}/contrast/${name}:${VERSION}@sha256:[0-9a-f]{64}$`),
      );
    expect(release.out).not.toContain(PASSWORD);
    expect(release.out).not.toContain(Buffer.from(`releaser:${PASSWORD}`).toString("base64"));
    expect(release.out).toContain("unpinned: Metal-QEMU-SNP");
  });

  test("pushed images → the registry serves the built digests, and the config the CLI embeds", async () => {
    const client = new RegistryClient({ credentials: createCredentialStore({ env, home }) });
    for (const [name, embedded] of [
      ["coordinator", COORDINATOR_IMAGE.config],
      ["initializer", INITIALIZER_IMAGE.config],
    ] as const) {
      const ref = parseImageReference(refs[name]!);
      const pulled = await client.fetchImage(parseImageReference(`${ref.name}:${ref.tag}`));
      expect(pulled.digest).toBe(ref.digest!);
      expect(pulled.config).toEqual(embedded as never);
    }
    // The node-installer's runtime artifacts are a layer of their own, the last one.
    const config = JSON.parse(
      sh(["skopeo", "inspect", "--config", `oci:${join(out, "images", "node-installer")}`]),
    );
    expect(config.rootfs.diff_ids.length).toBe(3);
    expect(config.history.at(-1).created_by).toBe("COPY artifacts/ /artifacts/");
  });

  test("the images again from the same binary → the same digests (reproducible)", () => {
    const again = sh(["bash", "images/build.sh"], {
      cwd: REPO,
      env: {
        CONTRAST_BIN: join(out, "stage1", "contrast"),
        IMAGES_OUT: join(root, "again"),
        IMAGE_TAG: VERSION,
      },
    });
    for (const name of NAMES) {
      const digest = refs[name]!.split("@")[1];
      expect(again).toMatch(new RegExp(`^${name}\\t.*@${digest}$`, "m"));
    }
  }, 120_000);

  test("released CLI --version → the pinned references, runtime handlers and reference-value platforms", async () => {
    const v = await run([join(out, "contrast"), "--version"]);
    expect(v.code).toBe(0);
    expect(v.out).toContain(`contrast ${VERSION}`);
    expect(v.out).toContain("pinned by digest (release build)");
    for (const name of NAMES) expect(v.out).toContain(refs[name]!);
    expect(v.out).toMatch(/Metal-QEMU-SNP\n\s+runtime handler:\s+contrast-cc-metal-qemu-snp-[0-9a-f]{8}/);
    expect(v.out).toMatch(/reference values: snp Milan launch digest [0-9a-f]{96}/);
  });

  test("walkthrough: emojivoto in its own namespace, Coordinator in default, images from the protected registry", async () => {
    const bin = join(out, "contrast");
    const ws = join(root, "ws");
    const deploy = join(ws, "deploy");
    mkdirSync(deploy, { recursive: true });
    const contrast = (args: string[], extra: Record<string, string> = {}) =>
      run([bin, ...args], { ...env, ...extra }, ws);
    // The app's images, mirrored into the protected registry.
    const originals = ["emojivoto-web", "emojivoto-emoji-svc", "emojivoto-voting-svc"];
    const lines = originals.map((n) => {
      const mirror = `${registry!.host}/emojivoto/${n}:v11`;
      pushTinyImage(mirror, { entrypoint: [`/usr/local/bin/${n}`] }, `releaser:${PASSWORD}`);
      return `docker.l5d.io/buoyantio/${n}:v11=${mirror}`;
    });
    writeFileSync(join(ws, "images.txt"), `${lines.join("\n")}\n`);
    copyFileSync(testdata("k8s", "emojivoto.confidential.yaml"), join(deploy, "emojivoto.yaml"));
    const resources = await contrast(["resources", "coordinator", "--namespace", "default"]);
    expect(resources.code).toBe(0);
    writeFileSync(join(deploy, "coordinator.yaml"), resources.out);
    expect((await contrast(["sim", "init", "--dir", "sim"])).code).toBe(0);
    const generate = () =>
      contrast([
        "generate",
        "--reference-values",
        "sim",
        "--sim-dir",
        "sim",
        "--image-replacements",
        "images.txt",
        "deploy",
      ]);
    const first = await generate();
    if (first.code !== 0) console.error(first.out);
    expect(first.code).toBe(0);
    expect(first.out).not.toContain(PASSWORD);

    // Every Initializer runs the released image and looks for the Coordinator in `default`.
    const inits = parseAllDocuments(readFileSync(join(deploy, "emojivoto.yaml"), "utf8"))
      .map(
        (d) =>
          d.getIn(["spec", "template", "spec", "initContainers", 0]) as { toJSON(): unknown } | undefined,
      )
      .filter((c) => c !== undefined)
      .map((c) => c.toJSON() as { image: string; env: { name: string; value: string }[] });
    expect(inits.length).toBe(4);
    for (const c of inits) {
      expect(c.image).toBe(refs.initializer!);
      expect(c.env).toContainEqual({
        name: "COORDINATOR_HOST",
        value: "coordinator.default.svc.cluster.local",
      });
    }
    expect(readFileSync(join(deploy, "coordinator.yaml"), "utf8")).toContain(`image: ${refs.coordinator}`);
    // The product's images were known to the CLI: only the app's images went into the layers cache.
    const cached = Object.keys(JSON.parse(readFileSync(join(ws, "layers-cache.json"), "utf8")).images);
    expect(cached.length).toBe(3);
    for (const name of NAMES) expect(cached).not.toContain(refs[name]!.split("@")[1]);

    // The Coordinator (released binary, sim TEE), set, an emojivoto pod's Initializer, verify.
    const manifest = () =>
      JSON.parse(readFileSync(join(ws, "manifest.json"), "utf8")) as {
        Policies: Record<string, { SANs: string[]; Role?: string }>;
      };
    const policyOf = (san: string) =>
      Object.entries(manifest().Policies).find(([, e]) => e.SANs[0] === san)![0];
    const coordinatorPolicy = Object.entries(manifest().Policies).find(
      ([, e]) => e.Role === "coordinator",
    )![0];
    const ports = { user: await freePort(), mesh: await freePort(), probe: await freePort() };
    coordinator = Bun.spawn(
      [
        bin,
        "coordinator",
        "--tee=sim",
        `--sim-dir=${join(ws, "sim")}`,
        `--sim-host-data=${coordinatorPolicy}`,
        `--state-dir=${join(root, "state")}`,
        `--user-api-addr=127.0.0.1:${ports.user}`,
        `--mesh-api-addr=127.0.0.1:${ports.mesh}`,
        `--probe-addr=127.0.0.1:${ports.probe}`,
      ],
      { stdout: "ignore", stderr: "ignore", env: { ...process.env, CONTRAST_LOG_LEVEL: "warn" } },
    );
    await waitForHttp(`http://127.0.0.1:${ports.probe}/probe/startup`);
    const set = await contrast(["set", "-c", `127.0.0.1:${ports.user}`, "deploy"]);
    if (set.code !== 0) console.error(set.out);
    expect(set.code).toBe(0);
    const pod = await contrast(
      [
        "initializer",
        "--tee=sim",
        "--sim-dir=sim",
        `--sim-initdata=${join(ws, "policies", `${policyOf("web")}.toml`)}`,
        `--out-dir=${join(root, "web-pod")}`,
        "--timeout=30s",
      ],
      { COORDINATOR_HOST: `127.0.0.1:${ports.mesh}` },
    );
    if (pod.code !== 0) console.error(pod.out);
    expect(pod.code).toBe(0);
    const verify = await contrast(["verify", "-c", `127.0.0.1:${ports.user}`]);
    expect(verify.code).toBe(0);
    walkthrough = { contrast, generate, policyOf, deploy, userApi: `127.0.0.1:${ports.user}` };
  }, 180_000);

  // Issue 11 §4: the second `generate` keeps the sim pods' own runtime class and adds no platform, so `set` accepts it.
  test("walkthrough, edit a Deployment → generate again, set the update, verify", async () => {
    const { contrast, generate, policyOf, deploy, userApi } = walkthrough!;
    const before = policyOf("web");
    const app = join(deploy, "emojivoto.yaml");
    writeFileSync(
      app,
      readFileSync(app, "utf8").replace("value: emoji-svc.emojivoto:8080", "value: emoji-svc.emojivoto:8081"),
    );
    const second = await generate();
    if (second.code !== 0) console.error(second.out);
    expect(second.code).toBe(0);
    expect(policyOf("web")).not.toBe(before);
    const update = await contrast(["set", "-c", userApi, "deploy"]);
    if (update.code !== 0) console.error(update.out);
    expect(update.code).toBe(0);
    const again = await contrast(["verify", "-c", userApi]);
    if (again.code !== 0) console.error(again.out);
    expect(again.code).toBe(0);
  }, 180_000);
});
