// A tiny OCI distribution server (hono) for tests: one multi-platform image; anonymous bearer tokens, Basic auth, or
// bearer tokens that need credentials (Basic to the token endpoint, or an identity token as an oauth2 refresh token).

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
  /** Every Authorization header the registry and its token endpoint saw, with the path. */
  authorizations: { path: string; authorization: string | undefined }[];
}

export interface FakeRegistryOptions {
  /** Anonymous bearer tokens (the registry asks, the token endpoint gives one to anybody). */
  auth?: boolean;
  /** Basic auth on the registry itself, with these credentials. */
  basic?: { user: string; password: string };
  /** Bearer tokens only for these Basic credentials at the token endpoint. */
  tokenFor?: { user: string; password: string };
  /** Bearer tokens only for this refresh token (POST, grant_type=refresh_token). */
  refreshToken?: string;
  /** Token realm to announce (default http://registry.test/token). */
  realm?: string;
  /** Status for every /v2 request (after auth). */
  status?: number;
  /** Redirect config blob downloads to this origin (a CDN), which serves them too. */
  blobOrigin?: string;
  corruptConfig?: boolean;
}

export function createFakeRegistry(opts: FakeRegistryOptions = {}): FakeRegistry {
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
  const state: FakeRegistry = {
    app,
    indexDigest,
    amd64Digest,
    configDigest,
    requests: [],
    authorizations: [],
  };
  const basic = (u: { user: string; password: string }) =>
    `Basic ${Buffer.from(`${u.user}:${u.password}`).toString("base64")}`;
  const bearer = opts.auth === true || opts.tokenFor !== undefined || opts.refreshToken !== undefined;
  app.use("*", async (c, next) => {
    state.authorizations.push({ path: c.req.path, authorization: c.req.header("authorization") });
    await next();
  });
  app.get("/token", (c) => {
    if (c.req.query("scope") !== "repository:team/app:pull" || c.req.query("service") !== "registry.test")
      return c.json({}, 403);
    if (opts.tokenFor !== undefined && c.req.header("authorization") !== basic(opts.tokenFor))
      return c.json({}, 401);
    if (opts.refreshToken !== undefined) return c.json({}, 401);
    return c.json({ token: "t0ken" });
  });
  app.post("/token", async (c) => {
    const form = new URLSearchParams(await c.req.text());
    const ok =
      form.get("grant_type") === "refresh_token" &&
      form.get("refresh_token") === opts.refreshToken &&
      form.get("scope") === "repository:team/app:pull";
    return ok && opts.refreshToken !== undefined ? c.json({ access_token: "t0ken" }) : c.json({}, 401);
  });
  app.use("/v2/*", async (c, next) => {
    state.requests.push(c.req.path);
    const got = c.req.header("authorization");
    if (bearer && got !== "Bearer t0ken") {
      const realm = opts.realm ?? "http://registry.test/token";
      c.header(
        "WWW-Authenticate",
        `Bearer realm="${realm}",service="registry.test",scope="repository:team/app:pull"`,
      );
      return c.body(null, 401);
    }
    if (opts.basic !== undefined && got !== basic(opts.basic)) {
      c.header("WWW-Authenticate", 'Basic realm="Registry Realm"');
      return c.body(null, 401);
    }
    if (opts.status !== undefined) return c.body(null, opts.status as 500);
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
  app.get("/v2/team/app/blobs/:digest", (c) => {
    if (c.req.param("digest") !== configDigest) return c.json({}, 404);
    if (opts.blobOrigin !== undefined) return c.redirect(`${opts.blobOrigin}/cdn/${configDigest}`, 307);
    return c.body(blob as unknown as ArrayBuffer, 200);
  });
  app.get("/cdn/:digest", (c) => c.body(blob as unknown as ArrayBuffer, 200));
  return state;
}
