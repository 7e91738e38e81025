import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startLayoutRegistry } from "../../demo/layout-registry.ts";
import { blobPath, type LayoutImage, pinnedDigest, readLayoutImage } from "../../demo/oci-layout.ts";
import { ConfigError, ParseError } from "../../src/common/errors.ts";
import { expectError } from "../support/expect-error.ts";
import { tempDir } from "../support/harness.ts";

const sha = (b: Uint8Array | string) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

/** A one-image OCI layout as umoci writes it: index.json, the manifest, the config and one layer blob. */
function writeLayout(dir: string, tag: string): { manifest: string; layer: string; layerBytes: string } {
  mkdirSync(join(dir, "blobs/sha256"), { recursive: true });
  const put = (bytes: string) => {
    const d = sha(bytes);
    writeFileSync(join(dir, "blobs/sha256", d.slice(7)), bytes);
    return d;
  };
  const layerBytes = "layer bytes";
  const layer = put(layerBytes);
  const config = JSON.stringify({
    architecture: "amd64",
    os: "linux",
    config: { Entrypoint: ["/bin/contrast", "initializer"], Env: ["PATH=/bin"] },
  });
  const configDigest = put(config);
  const manifestJson = JSON.stringify({
    schemaVersion: 2,
    config: {
      mediaType: "application/vnd.oci.image.config.v1+json",
      digest: configDigest,
      size: config.length,
    },
    layers: [
      { mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: layer, size: layerBytes.length },
    ],
  });
  const manifest = put(manifestJson);
  writeFileSync(
    join(dir, "index.json"),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          digest: manifest,
          size: manifestJson.length,
          annotations: { "org.opencontainers.image.ref.name": tag },
        },
      ],
    }),
  );
  return { manifest, layer, layerBytes };
}

let dir: string;
let written: ReturnType<typeof writeLayout>;
let image: LayoutImage;
let registry: { host: string; stop(): void };
beforeAll(() => {
  dir = tempDir("layout");
  written = writeLayout(join(dir, "initializer"), "0.1.0");
  // A secret next to the layout: nothing served may reach it.
  writeFileSync(join(dir, "secret"), "not for the registry");
  image = readLayoutImage(join(dir, "initializer"), "contrast/initializer", "0.1.0");
  registry = startLayoutRegistry([image]);
});
afterAll(() => registry.stop());

describe("readLayoutImage", () => {
  test("the tagged image → its manifest digest and image config", () => {
    expect(image.digest).toBe(written.manifest);
    expect(image.config).toEqual({
      entrypoint: ["/bin/contrast", "initializer"],
      cmd: [],
      env: ["PATH=/bin"],
      workingDir: "/",
    });
  });

  test("a tag the layout does not have → demo_image_unknown", () => {
    expectError(
      () => readLayoutImage(join(dir, "initializer"), "x", "9.9.9"),
      ConfigError,
      "demo_image_unknown",
    );
  });
});

describe("blobPath", () => {
  test.each([
    "sha256:../../secret",
    "sha256:abc",
    "sha512:" + "a".repeat(128),
    "../secret",
    `sha256:${"A".repeat(64)}`,
  ])("%j → ParseError demo_invalid_digest (never a path outside blobs/sha256)", (digest) => {
    expectError(() => blobPath(dir, digest), ParseError, "demo_invalid_digest");
  });
});

describe("pinnedDigest", () => {
  test.each([
    [`r:5000/a/b:1@sha256:${"a".repeat(64)}`, `sha256:${"a".repeat(64)}`],
    ["r:5000/a/b:1", undefined],
    ["r/a@sha256:short", undefined],
  ])("%s → %s", (ref, want) => {
    expect(pinnedDigest(ref)).toBe(want);
  });
});

describe("startLayoutRegistry", () => {
  const get = (path: string, method = "GET") => fetch(`http://${registry.host}${path}`, { method });

  test("manifest by tag and by digest → the same bytes, with their digest", async () => {
    for (const ref of ["0.1.0", written.manifest]) {
      const r = await get(`/v2/contrast/initializer/manifests/${ref}`);
      expect(r.status).toBe(200);
      expect(r.headers.get("docker-content-digest")).toBe(written.manifest);
      expect(sha(new Uint8Array(await r.arrayBuffer()))).toBe(written.manifest);
    }
  });

  test("a blob by digest → its bytes; HEAD → its size, no body", async () => {
    const r = await get(`/v2/contrast/initializer/blobs/${written.layer}`);
    expect(await r.text()).toBe(written.layerBytes);
    const h = await get(`/v2/contrast/initializer/blobs/${written.layer}`, "HEAD");
    expect(h.headers.get("content-length")).toBe(String(written.layerBytes.length));
  });

  test("a blob's digest asked for as a manifest → 404 (only the tagged image's manifest is one)", async () => {
    expect((await get(`/v2/contrast/initializer/manifests/${written.layer}`)).status).toBe(404);
  });

  test("path traversal in a blob reference → 400, the file next to the layout is not served", async () => {
    for (const ref of ["sha256:..%2F..%2Fsecret", "..%2F..%2Fsecret", "sha256:..", "%2e%2e"]) {
      const r = await get(`/v2/contrast/initializer/blobs/${ref}`);
      expect([400, 404]).toContain(r.status);
      expect(await r.text()).not.toContain("not for the registry");
    }
  });

  test("an unknown repository or a well-formed unknown blob → 404", async () => {
    expect((await get("/v2/contrast/other/manifests/0.1.0")).status).toBe(404);
    expect((await get(`/v2/contrast/initializer/blobs/sha256:${"0".repeat(64)}`)).status).toBe(404);
  });
});
