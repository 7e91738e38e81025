// Reads OCI image layouts (what `umoci` and images/build.sh write): tags, manifests, configs, blob paths.
//
// The demo serves these layouts to `generate` (demo/layout-registry.ts) and runs the very same layouts as containers,
// so the digest `generate` pins into a pod's policy is the digest of the image that runs.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, describeValue, ParseError } from "../src/common/errors.ts";

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const REF_NAME = "org.opencontainers.image.ref.name";

/** The parts of an OCI image config a kubelet needs to build a container's process. */
export interface ImageConfig {
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  readonly env: readonly string[];
  readonly workingDir: string;
}

export interface LayoutImage {
  /** Repository name it is served under, e.g. `contrast/initializer`. */
  readonly name: string;
  readonly tag: string;
  readonly layout: string;
  /** Digest of the image manifest: what `generate` pins (`@sha256:…`). */
  readonly digest: string;
  readonly config: ImageConfig;
}

/** The path of a blob in a layout; the digest is checked first, so no path outside `blobs/sha256` is ever named. */
export function blobPath(layout: string, digest: string): string {
  if (!DIGEST.test(digest))
    throw new ParseError(
      "demo_invalid_digest",
      `digest: expected sha256:<64 hex>, got ${describeValue(digest)}`,
    );
  return join(layout, "blobs", "sha256", digest.slice("sha256:".length));
}

function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

/** The image tagged `tag` in the layout at `layout`, served as `name`. */
export function readLayoutImage(layout: string, name: string, tag: string): LayoutImage {
  const index = readJson(join(layout, "index.json"));
  const entries = Array.isArray(index.manifests) ? (index.manifests as Record<string, unknown>[]) : [];
  const entry = entries.find(
    (m) => (m.annotations as Record<string, unknown> | undefined)?.[REF_NAME] === tag,
  );
  if (entry === undefined || typeof entry.digest !== "string") {
    throw new ConfigError(
      "demo_image_unknown",
      `${layout}: expected an image tagged ${tag}, got tags ${entries.map((m) => JSON.stringify((m.annotations as Record<string, unknown> | undefined)?.[REF_NAME])).join(", ") || "none"}`,
    );
  }
  const manifest = readJson(blobPath(layout, entry.digest));
  const configDigest = (manifest.config as Record<string, unknown> | undefined)?.digest;
  const config = readJson(blobPath(layout, String(configDigest)));
  const c = (config.config ?? {}) as Record<string, unknown>;
  return Object.freeze({
    name,
    tag,
    layout,
    digest: entry.digest,
    config: Object.freeze({
      entrypoint: strings(c.Entrypoint),
      cmd: strings(c.Cmd),
      env: strings(c.Env),
      workingDir: typeof c.WorkingDir === "string" && c.WorkingDir !== "" ? c.WorkingDir : "/",
    }),
  });
}

/** The digest an image reference is pinned to (`…@sha256:<hex>`), or undefined for a tag-only reference. */
export function pinnedDigest(reference: string): string | undefined {
  const at = reference.lastIndexOf("@");
  if (at < 0) return undefined;
  const d = reference.slice(at + 1);
  return DIGEST.test(d) ? d : undefined;
}
