// `contrast generate` against a password-protected registry on loopback (Debian `docker-registry` with htpasswd):
// credentials from $REGISTRY_AUTH_FILE, $DOCKER_CONFIG and a docker-credential helper; refused, missing and unknown
// inputs exit 3, only an unreachable registry exits 6; no password reaches stdout, stderr or debug logs.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, EXIT } from "../../src/common/errors.ts";
import { renderCoordinatorResources } from "../../src/kube/coordinator-resources.ts";
import { createImageResolver } from "../../src/policy/image/create-image-resolver.ts";
import { MemoryLayersCache } from "../../src/policy/image/layers-cache.ts";
import { createCredentialStore } from "../../src/policy/image/registry-credentials.ts";
import { contrast } from "../support/harness.ts";
import {
  freePort,
  missingRegistryTools,
  pushTinyImage,
  startRegistry,
  type TestRegistry,
  writeAuthFile,
} from "../support/registry.ts";

const missing = missingRegistryTools();
if (missing.length > 0) console.warn(`registry-auth: SKIPPED, ${missing.join(", ")} not on PATH`);

const PASSWORD = "Corr3ct-Horse:Battery";
const WRONG = "Wr0ng-Horse-Battery";

describe.skipIf(missing.length > 0)("generate against a registry with htpasswd auth", () => {
  const root = mkdtempSync(join(tmpdir(), "contrast-registry-auth-"));
  const home = join(root, "home");
  let registry: TestRegistry | undefined;
  let image = "";
  let digest = "";
  let template = "";
  /** Env with no credential source but the ones a test names. */
  let isolated: Record<string, string> = {};

  beforeAll(async () => {
    registry = await startRegistry({ alice: PASSWORD });
    image = `${registry.host}/team/app:v1`;
    digest = pushTinyImage(image, { entrypoint: ["/bin/app"] }, `alice:${PASSWORD}`);
    mkdirSync(home);
    isolated = {
      HOME: home,
      REGISTRY_AUTH_FILE: "",
      XDG_RUNTIME_DIR: "",
      XDG_CONFIG_HOME: "",
      DOCKER_CONFIG: "",
      CONTRAST_LOG_LEVEL: "debug",
    };
    template = join(root, "template");
    mkdirSync(join(template, "deploy"), { recursive: true });
    writeFileSync(join(template, "deploy", "coordinator.yaml"), renderCoordinatorResources({ image }));
    writeFileSync(
      join(template, "deploy", "app.yaml"),
      `apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\n  namespace: team\nspec:\n  runtimeClassName: contrast-cc\n  containers:\n  - name: app\n    image: ${image}\n`,
    );
  }, 60_000);

  afterAll(() => {
    registry?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  /** `contrast generate` in a fresh copy of the template workspace. */
  async function generate(env: Record<string, string>, initializer = image) {
    const ws = mkdtempSync(join(root, "ws-"));
    cpSync(template, ws, { recursive: true });
    const r = await contrast(
      ["generate", "--reference-values", "Metal-QEMU-SNP", "--initializer-image", initializer, "deploy"],
      { cwd: ws, env: { ...isolated, ...env } },
    );
    const all = r.stdout + r.stderr;
    expect(all).not.toContain(PASSWORD);
    expect(all).not.toContain(WRONG);
    expect(all).not.toContain(Buffer.from(`alice:${PASSWORD}`).toString("base64"));
    return r;
  }

  test("resolver with $REGISTRY_AUTH_FILE → the pushed digest", async () => {
    const file = writeAuthFile(join(root, "good.json"), registry!.host, "alice", PASSWORD);
    const resolve = createImageResolver({
      cache: new MemoryLayersCache(),
      credentials: createCredentialStore({ env: { REGISTRY_AUTH_FILE: file }, home }),
    });
    expect((await resolve(image)).digest).toBe(digest);
  });

  test("generate with $REGISTRY_AUTH_FILE (debug logs) → exit 0, images pinned, no secret printed", async () => {
    const file = writeAuthFile(join(root, "good.json"), registry!.host, "alice", PASSWORD);
    const r = await generate({ REGISTRY_AUTH_FILE: file });
    expect(r.stderr).not.toContain("error:");
    expect(r.code).toBe(EXIT.ok);
    expect(r.stderr).toContain(`pinned image ${image} to ${image}@${digest}`);
  });

  test("generate with $DOCKER_CONFIG naming a docker-credential helper → exit 0", async () => {
    const bin = join(root, "bin");
    mkdirSync(bin, { recursive: true });
    const helper = join(bin, "docker-credential-testpass");
    writeFileSync(
      helper,
      `#!/bin/sh\nread url\n[ "$url" = "${registry!.host}" ] || { echo "credentials not found"; exit 1; }\necho '{"Username":"alice","Secret":"${PASSWORD}"}'\n`,
    );
    chmodSync(helper, 0o755);
    const dockerConfig = join(root, "docker");
    mkdirSync(dockerConfig, { recursive: true });
    writeFileSync(
      join(dockerConfig, "config.json"),
      JSON.stringify({ credHelpers: { [registry!.host]: "testpass" } }),
    );
    const r = await generate({ DOCKER_CONFIG: dockerConfig, PATH: `${bin}:${process.env.PATH}` });
    expect(r.code).toBe(EXIT.ok);
  });

  test("wrong password → exit 3 registry_unauthorized naming the auth file, no secret printed", async () => {
    const file = writeAuthFile(join(root, "wrong.json"), registry!.host, "alice", WRONG);
    const r = await generate({ REGISTRY_AUTH_FILE: file });
    expect(r.stderr).toContain("(registry_unauthorized)");
    expect(r.stderr).toContain(file);
    expect(r.code).toBe(EXIT.config);
  });

  test("no credentials anywhere → exit 3 registry_unauthorized listing where it looked", async () => {
    const r = await generate({});
    expect(r.stderr).toContain("(registry_unauthorized)");
    expect(r.stderr).toContain(join(home, ".docker", "config.json"));
    expect(r.code).toBe(EXIT.config);
  });

  test("unknown tag → exit 3 image_not_found naming image and tag", async () => {
    const file = writeAuthFile(join(root, "good.json"), registry!.host, "alice", PASSWORD);
    const r = await generate({ REGISTRY_AUTH_FILE: file }, `${registry!.host}/team/app:nope`);
    expect(r.stderr).toContain(`--initializer-image`);
    expect(r.stderr).toContain(`${registry!.host}/team/app:nope`);
    expect(r.stderr).toContain("(image_not_found)");
    expect(r.code).toBe(EXIT.config);
  });

  test("invalid image reference → exit 3 image_reference_invalid", async () => {
    // Credentials for the Coordinator's image, which is resolved first (its digest is pinned into every pod).
    const file = writeAuthFile(join(root, "good.json"), registry!.host, "alice", PASSWORD);
    const r = await generate({ REGISTRY_AUTH_FILE: file }, "Not/A_Valid:ref:");
    expect(r.stderr).toContain("(image_reference_invalid)");
    expect(r.code).toBe(EXIT.config);
  });

  test("unreachable registry → exit 6 image_pull_failed", async () => {
    const closed = `127.0.0.1:${await freePort()}/team/app:v1`;
    const file = writeAuthFile(join(root, "good.json"), registry!.host, "alice", PASSWORD);
    const r = await generate({ REGISTRY_AUTH_FILE: file }, closed);
    expect(r.stderr).toContain("(image_pull_failed)");
    expect(r.code).toBe(EXIT.unavailable);
  });

  test("ConfigError is what the resolver throws for a refused login (exit 3 by class)", async () => {
    const resolve = createImageResolver({ cache: new MemoryLayersCache() });
    expect(await resolve(image).catch((e) => e)).toBeInstanceOf(ConfigError);
  });
});
