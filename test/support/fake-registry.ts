// An OCI registry behind an injected fetch for `generate` tests: any repository, one deterministic image per tag.

import { createHash } from "node:crypto";

const sha256 = (b: Uint8Array | string) => createHash("sha256").update(b).digest("hex");

/**
 * An OCI registry behind an injected fetch: any repository, one deterministic image per repository and tag.
 * `push` stands for a later push to every tag: another `push` gives every tag another manifest digest (a moved tag).
 */
export function fakeRegistry(opts: { push?: number } = {}) {
  const requests: string[] = [];
  const enc = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));
  const image = (repo: string, tag: string) => {
    const config = enc({
      architecture: "amd64",
      os: "linux",
      config: { Entrypoint: [`/bin/${repo.split("/").pop()}`], Env: ["PATH=/bin"], WorkingDir: "/" },
    });
    const cd = `sha256:${sha256(config)}`;
    const manifest = enc({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: cd, size: config.length },
      layers: [],
      annotations: opts.push === undefined ? { tag } : { tag, push: String(opts.push) },
    });
    return { config, cd, manifest, md: `sha256:${sha256(manifest)}` };
  };
  const known = new Map<string, ReturnType<typeof image>>();
  const fetch = async (url: string): Promise<Response> => {
    requests.push(url);
    const m = /^https?:\/\/[^/]+\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(url);
    if (m === null) return new Response("not found", { status: 404 });
    const [, repo = "", kind, ref = ""] = m;
    if (kind === "manifests") {
      const img = ref.startsWith("sha256:")
        ? [...known.values()].find((i) => i.md === ref)
        : image(repo, ref);
      if (img === undefined) return new Response("unknown", { status: 404 });
      known.set(img.md, img);
      return new Response(img.manifest, {
        headers: { "content-type": "application/vnd.oci.image.manifest.v1+json" },
      });
    }
    const img = [...known.values()].find((i) => i.cd === ref);
    return img === undefined ? new Response("unknown", { status: 404 }) : new Response(img.config);
  };
  return { fetch, requests };
}
