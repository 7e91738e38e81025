// A minimal OCI distribution registry (read-only, plain HTTP on loopback) holding config-only images for the process
// demo (demo/processes.ts): `generate` needs their configs, nothing runs them.

import { createHash } from "node:crypto";
import { Hono } from "hono";

export interface DemoImage {
  /** repository/name, e.g. "demo/web" */
  name: string;
  tag: string;
  config: { Entrypoint?: string[]; Cmd?: string[]; Env?: string[]; User?: string; WorkingDir?: string };
}

const digestOf = (b: Uint8Array) => `sha256:${createHash("sha256").update(b).digest("hex")}`;
const enc = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));
const MANIFEST = "application/vnd.oci.image.manifest.v1+json";

/** Serves `/v2/<name>/manifests/<tag|digest>` and `/v2/<name>/blobs/<digest>` for the given images. */
export function startDemoRegistry(images: DemoImage[]): { host: string; stop(): void } {
  const manifests = new Map<string, Uint8Array>();
  const blobs = new Map<string, Uint8Array>();
  for (const img of images) {
    const config = enc({
      architecture: "amd64",
      os: "linux",
      config: img.config,
      rootfs: { type: "layers", diff_ids: [] },
    });
    blobs.set(digestOf(config), config);
    const manifest = enc({
      schemaVersion: 2,
      mediaType: MANIFEST,
      config: {
        mediaType: "application/vnd.oci.image.config.v1+json",
        digest: digestOf(config),
        size: config.length,
      },
      layers: [],
    });
    manifests.set(`${img.name}:${img.tag}`, manifest);
    manifests.set(`${img.name}@${digestOf(manifest)}`, manifest);
  }
  const app = new Hono();
  app.get("/v2/", (c) => c.json({}));
  app.on(["GET", "HEAD"], "/v2/*", (c) => {
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(c.req.path);
    if (!m) return c.json({ errors: [{ code: "NAME_UNKNOWN" }] }, 404);
    const [, name, kind, ref] = m;
    const body =
      kind === "manifests"
        ? manifests.get(`${name}${ref!.startsWith("sha256:") ? "@" : ":"}${ref}`)
        : blobs.get(ref!);
    if (!body) return c.json({ errors: [{ code: "MANIFEST_UNKNOWN" }] }, 404);
    return new Response(c.req.method === "HEAD" ? null : body, {
      headers: {
        "content-type": kind === "manifests" ? MANIFEST : "application/octet-stream",
        "docker-content-digest": digestOf(body),
        "content-length": String(body.length),
      },
    });
  });
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: app.fetch });
  return { host: `127.0.0.1:${server.port}`, stop: () => server.stop(true) };
}
