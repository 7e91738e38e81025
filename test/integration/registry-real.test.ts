// Against a real OCI registry on loopback (Debian `docker-registry`), filled with an image built by `umoci` and pushed by
// `skopeo`: the resolver's tag → digest resolution and config parsing, and `contrast generate` end to end.
// Needs: apt-get install docker-registry umoci skopeo. Skipped, with a message, when any of them is missing.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cac } from "cac";
import { parseAndRun } from "../../src/cli/command.ts";
import { EXIT } from "../../src/cli/exit-codes.ts";
import { registerGenerate } from "../../src/cli/generate.ts";
import { UnavailableError } from "../../src/common/errors.ts";
import { renderCoordinatorResources } from "../../src/kube/coordinator-resources.ts";
import { COORDINATOR_IMAGE, INITIALIZER_IMAGE } from "../../src/kube/release-images.ts";
import { parseManifest } from "../../src/manifest/parse-manifest.ts";
import { createImageResolver } from "../../src/policy/image/create-image-resolver.ts";
import { MemoryLayersCache } from "../../src/policy/image/layers-cache.ts";

const registryBin = Bun.which("registry") ?? Bun.which("docker-registry");
const missing = [registryBin === null ? "registry (docker-registry)" : "", Bun.which("umoci") ? "" : "umoci"]
  .concat(Bun.which("skopeo") ? [] : ["skopeo"])
  .filter((t) => t !== "");
if (missing.length > 0) {
  console.warn(
    `registry-real: SKIPPED, ${missing.join(", ")} not on PATH (apt-get install docker-registry umoci skopeo)`,
  );
}

function sh(cmd: string[], cwd?: string): string {
  const r = Bun.spawnSync(cmd, { cwd, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")} failed: ${r.stderr.toString()}`);
  return r.stdout.toString().trim();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitReady(url: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await Bun.sleep(50);
  }
  throw new Error(`registry at ${url} did not come up`);
}

describe.skipIf(missing.length > 0)("image resolver against a real registry", () => {
  const dir = mkdtempSync(join(tmpdir(), "contrast-registry-"));
  let proc: ReturnType<typeof Bun.spawn> | undefined;
  let host = "";
  let ref = "";
  let digest = "";

  beforeAll(async () => {
    const port = await freePort();
    host = `127.0.0.1:${port}`;
    const config = join(dir, "config.yml");
    writeFileSync(
      config,
      `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, "data")}\nhttp:\n  addr: ${host}\n`,
    );
    proc = Bun.spawn([registryBin as string, "serve", config], { stdout: "ignore", stderr: "ignore" });
    const layout = join(dir, "oci");
    sh(["umoci", "init", "--layout", layout]);
    sh(["umoci", "new", "--image", `${layout}:v1`]);
    sh([
      "umoci",
      "config",
      "--image",
      `${layout}:v1`,
      "--os",
      "linux",
      "--architecture",
      "amd64",
      "--config.entrypoint",
      "/bin/app",
      "--config.cmd",
      "--serve",
      "--config.env",
      "A=1",
      "--config.user",
      "1000:1000",
      "--config.workingdir",
      "/srv",
      "--config.volume",
      "/data",
    ]);
    await waitReady(`http://${host}/v2/`);
    ref = `${host}/team/app:v1`;
    sh(["skopeo", "copy", "--dest-tls-verify=false", `oci:${layout}:v1`, `docker://${ref}`]);
    digest = sh(["skopeo", "inspect", "--tls-verify=false", "--format", "{{.Digest}}", `docker://${ref}`]);
  }, 30_000);

  afterAll(() => {
    proc?.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  test("tag → the digest skopeo reports, and the config umoci wrote", async () => {
    const resolve = createImageResolver({ cache: new MemoryLayersCache() });
    const image = await resolve(ref);
    expect(image.digest).toBe(digest);
    expect(image.resolvedFromTag).toBe(true);
    expect(image.config).toEqual({
      Entrypoint: ["/bin/app"],
      Cmd: ["--serve"],
      Env: ["A=1"],
      User: "1000:1000",
      WorkingDir: "/srv",
      Volumes: ["/data"],
    });
  });

  test("digest reference → same config, not a tag; unknown tag → UnavailableError image_pull_failed", async () => {
    const resolve = createImageResolver({ cache: new MemoryLayersCache() });
    const pinned = await resolve(`${host}/team/app@${digest}`);
    expect([pinned.digest, pinned.resolvedFromTag]).toEqual([digest, false]);
    const err = await resolve(`${host}/team/app:nope`).catch((e) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.code).toBe("image_pull_failed");
  });

  test("contrast generate with every image replaced by the pushed one → policies pin its digest", async () => {
    const ws = join(dir, "ws");
    mkdirSync(join(ws, "deploy"), { recursive: true });
    writeFileSync(
      join(ws, "deploy", "coordinator.yaml"),
      renderCoordinatorResources({ image: COORDINATOR_IMAGE.reference }),
    );
    writeFileSync(
      join(ws, "deploy", "app.yaml"),
      `apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\nspec:\n  runtimeClassName: contrast-cc\n  containers:\n  - name: app\n    image: ${ref}\n`,
    );
    writeFileSync(
      join(ws, "replacements.txt"),
      `${COORDINATOR_IMAGE.reference}=${ref}\n${INITIALIZER_IMAGE.reference}=${ref}\n`,
    );
    const cli = cac("contrast");
    registerGenerate(cli, { rsaBits: 2048, stderr: () => {} });
    const cwd = process.cwd();
    process.chdir(ws);
    try {
      await parseAndRun(cli, [
        "generate",
        "--image-replacements",
        "replacements.txt",
        "--reference-values",
        "Metal-QEMU-SNP",
        "deploy",
      ]);
      expect(process.exitCode).toBe(EXIT.ok);
    } finally {
      process.chdir(cwd);
      process.exitCode = 0;
    }
    const app = readFileSync(join(ws, "deploy", "app.yaml"), "utf8");
    expect(app.match(new RegExp(`image: ${ref}@${digest}`, "g"))?.length).toBe(2); // app and the Initializer
    const m = parseManifest(new Uint8Array(readFileSync(join(ws, "manifest.json")))).manifest;
    expect(Object.keys(m.Policies).length).toBe(2);
    const cache = JSON.parse(readFileSync(join(ws, "layers-cache.json"), "utf8"));
    expect(Object.keys(cache.images)).toEqual([digest]);
  });
});
