// A read-only OCI distribution registry on loopback that serves OCI image layouts, for `generate` to resolve the
// demo's images by tag and pin them by digest. Plain HTTP: the CLI talks HTTP to loopback registries, as Docker does.

import { Hono } from "hono";
import { blobPath, type LayoutImage } from "./oci-layout.ts";

const MANIFEST = "application/vnd.oci.image.manifest.v1+json";

/** Serves `/v2/<name>/manifests/<tag|digest>` and `/v2/<name>/blobs/<digest>` from the images' layouts. */
export function startLayoutRegistry(images: readonly LayoutImage[]): { host: string; stop(): void } {
  const byName = new Map(images.map((i) => [i.name, i]));
  const app = new Hono();
  app.get("/v2/", (c) => c.json({}));
  app.on(["GET", "HEAD"], "/v2/*", async (c) => {
    const m = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(c.req.path);
    const image = m === null ? undefined : byName.get(m[1]!);
    if (m === null || image === undefined) return c.json({ errors: [{ code: "NAME_UNKNOWN" }] }, 404);
    const [, , kind, ref] = m;
    // Only the tagged image's own manifest, and blobs by digest (checked by blobPath) from its layout.
    const digest = kind === "manifests" ? (ref === image.tag ? image.digest : ref) : ref!;
    if (kind === "manifests" && digest !== image.digest)
      return c.json({ errors: [{ code: "MANIFEST_UNKNOWN" }] }, 404);
    let file: ReturnType<typeof Bun.file>;
    try {
      file = Bun.file(blobPath(image.layout, digest!));
    } catch {
      return c.json({ errors: [{ code: "DIGEST_INVALID" }] }, 400);
    }
    if (!(await file.exists())) return c.json({ errors: [{ code: "BLOB_UNKNOWN" }] }, 404);
    return new Response(c.req.method === "HEAD" ? null : file, {
      headers: {
        "content-type": kind === "manifests" ? MANIFEST : "application/octet-stream",
        "docker-content-digest": digest!,
        "content-length": String(file.size),
      },
    });
  });
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: app.fetch });
  return { host: `127.0.0.1:${server.port}`, stop: () => server.stop(true) };
}
