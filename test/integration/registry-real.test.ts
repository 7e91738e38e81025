// Against a real OCI registry on loopback (Debian `docker-registry`), filled with an image built by `umoci` and pushed by
// `skopeo`: the resolver's tag → digest resolution and config parsing, and `contrast generate` end to end.
// Needs: apt-get install docker-registry umoci skopeo. Skipped, with a message, when any of them is missing.
// An integration test (a registry process, image pushes): `make test-integration`.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cac } from "cac";
import { registerGenerate } from "../../src/cli/generate-command.ts";
import { parseAndRun } from "../../src/command/command.ts";
import { ConfigError, EXIT } from "../../src/common/errors.ts";
import { renderCoordinatorResources } from "../../src/kube/coordinator-resources.ts";
import { COORDINATOR_IMAGE, INITIALIZER_IMAGE } from "../../src/kube/release-images.ts";
import { parseManifest } from "../../src/manifest/parse-manifest.ts";
import { createImageResolver } from "../../src/policy/image/create-image-resolver.ts";
import { MemoryLayersCache } from "../../src/policy/image/layers-cache.ts";
import {
  missingRegistryTools,
  pushTinyImage,
  startRegistry,
  type TestRegistry,
} from "../support/registry.ts";

const missing = missingRegistryTools();
if (missing.length > 0) {
  console.warn(
    `registry-real: SKIPPED, ${missing.join(", ")} not on PATH (apt-get install docker-registry umoci skopeo)`,
  );
}

describe.skipIf(missing.length > 0)("image resolver against a real registry", () => {
  const dir = mkdtempSync(join(tmpdir(), "contrast-registry-real-"));
  let registry: TestRegistry | undefined;
  let host = "";
  let ref = "";
  let digest = "";

  beforeAll(async () => {
    registry = await startRegistry();
    host = registry.host;
    ref = `${host}/team/app:v1`;
    digest = pushTinyImage(ref, {
      entrypoint: ["/bin/app"],
      cmd: ["--serve"],
      env: ["A=1"],
      user: "1000:1000",
      workingDir: "/srv",
      volume: "/data",
    });
  }, 30_000);

  afterAll(() => {
    registry?.stop();
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

  test("digest reference → same config, not a tag; unknown tag → ConfigError image_not_found naming image and tag", async () => {
    const resolve = createImageResolver({ cache: new MemoryLayersCache() });
    const pinned = await resolve(`${host}/team/app@${digest}`);
    expect([pinned.digest, pinned.resolvedFromTag]).toEqual([digest, false]);
    const err = await resolve(`${host}/team/app:nope`).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.code).toBe("image_not_found");
    expect(err.message).toContain(`${host}/team/app:nope`);
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
