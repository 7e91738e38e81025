// A tiny OCI distribution server (hono) for tests: one multi-platform image, optional bearer-token auth.

import { createHash } from "node:crypto";
import { Hono } from "hono";

const enc = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));
const digestOf = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

export interface FakeRegistry {
  readonly app: Hono;
  readonly indexDigest: string;
  readonly amd64Digest: string;
  readonly configDigest: string;
  requests: string[];
}

export function createFakeRegistry(opts: { auth?: boolean; corruptConfig?: boolean } = {}): FakeRegistry {
  const config = enc({
    architecture: "amd64",
    os: "linux",
    config: {
      Entrypoint: ["/bin/app"],
      Cmd: ["--serve"],
      Env: ["PATH=/bin", "A=1"],
      User: "1000:1000",
      WorkingDir: "/srv",
      Volumes: { "/data": {} },
    },
    rootfs: { type: "layers", diff_ids: [] },
  });
  const configDigest = digestOf(config);
  const amd64 = enc({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: {
      mediaType: "application/vnd.oci.image.config.v1+json",
      digest: configDigest,
      size: config.length,
    },
    layers: [],
  });
  const arm = enc({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    config: { digest: `sha256:${"e".repeat(64)}`, size: 1 },
    layers: [],
  });
  const amd64Digest = digestOf(amd64);
  const index = enc({
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [
      {
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        digest: digestOf(arm),
        size: arm.length,
        platform: { os: "linux", architecture: "arm64" },
      },
      {
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        digest: amd64Digest,
        size: amd64.length,
        platform: { os: "linux", architecture: "amd64" },
      },
    ],
  });
  const indexDigest = digestOf(index);
  const manifests = new Map<string, Uint8Array>([
    ["v1", index],
    [indexDigest, index],
    [amd64Digest, amd64],
    [digestOf(arm), arm],
  ]);
  const blob = opts.corruptConfig ? enc({ config: { Entrypoint: ["/evil"] } }) : config;
  const app = new Hono();
  const state: FakeRegistry = { app, indexDigest, amd64Digest, configDigest, requests: [] };
  app.get("/token", (c) =>
    c.req.query("scope") === "repository:team/app:pull" ? c.json({ token: "t0ken" }) : c.json({}, 403),
  );
  app.use("/v2/*", async (c, next) => {
    state.requests.push(c.req.path);
    if (opts.auth && c.req.header("authorization") !== "Bearer t0ken") {
      c.header(
        "WWW-Authenticate",
        'Bearer realm="http://registry.test/token",service="registry.test",scope="repository:team/app:pull"',
      );
      return c.body(null, 401);
    }
    await next();
  });
  app.get("/v2/team/app/manifests/:ref", (c) => {
    const body = manifests.get(c.req.param("ref"));
    if (body === undefined) return c.json({ errors: [{ code: "MANIFEST_UNKNOWN" }] }, 404);
    const type =
      body === index
        ? "application/vnd.oci.image.index.v1+json"
        : "application/vnd.oci.image.manifest.v1+json";
    return c.body(body as unknown as ArrayBuffer, 200, { "Content-Type": type });
  });
  app.get("/v2/team/app/blobs/:digest", (c) =>
    c.req.param("digest") === configDigest ? c.body(blob as unknown as ArrayBuffer, 200) : c.json({}, 404),
  );
  return state;
}
