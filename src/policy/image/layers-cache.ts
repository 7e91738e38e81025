// `layers-cache.json`: image configs keyed by manifest digest, so a warm or offline run needs no registry.

import { existsSync, readFileSync } from "node:fs";
import { writeFileAtomic } from "../../common/atomic-file.ts";
import { ParseError } from "../../common/errors.ts";
import type { ImageConfig } from "./image-config.ts";

export interface LayersCache {
  get(digest: string): ImageConfig | undefined;
  set(digest: string, config: ImageConfig): void;
  /** The digest a tag reference (`<registry>/<repository>:<tag>`, see `tagKey`) resolved to when it was last fetched. */
  getTag?(reference: string): string | undefined;
  setTag?(reference: string, digest: string): void;
}

/** The key of a tag in the cache: the normalised name and tag, so `nginx` and `docker.io/library/nginx:latest` agree. */
export function tagKey(ref: { readonly name: string; readonly tag: string | undefined }): string {
  return `${ref.name}:${ref.tag ?? "latest"}`;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/**
 * In-memory cache with a JSON form: `{ "version": 1, "images": { "<digest>": <config> }, "tags": { "<name>:<tag>":
 * "<digest>" } }` with sorted keys (`tags` only when there is one). A tag stays pinned to the digest it resolved to
 * until its entry is removed: a warm run resolves it without a registry, like a digest.
 */
export class MemoryLayersCache implements LayersCache {
  protected readonly images = new Map<string, ImageConfig>();
  protected readonly tags = new Map<string, string>();
  dirty = false;

  get(digest: string): ImageConfig | undefined {
    return this.images.get(digest);
  }

  set(digest: string, config: ImageConfig): void {
    this.images.set(digest, config);
    this.dirty = true;
  }

  getTag(reference: string): string | undefined {
    return this.tags.get(reference);
  }

  setTag(reference: string, digest: string): void {
    if (this.tags.get(reference) === digest) return;
    this.tags.set(reference, digest);
    this.dirty = true;
  }

  load(text: string): void {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new ParseError("layers_cache_malformed", "layers cache expected valid json", { cause: e });
    }
    const images = (raw as { images?: unknown })?.images;
    if (typeof images !== "object" || images === null || Array.isArray(images)) {
      throw new ParseError("layers_cache_malformed", "layers cache images expected an object");
    }
    for (const [digest, config] of Object.entries(images)) {
      if (DIGEST.test(digest) && typeof config === "object" && config !== null) {
        this.images.set(digest, config as ImageConfig);
      }
    }
    const tags = (raw as { tags?: unknown }).tags;
    if (tags === undefined) return;
    if (typeof tags !== "object" || tags === null || Array.isArray(tags)) {
      throw new ParseError("layers_cache_malformed", "layers cache tags expected an object");
    }
    // A tag whose digest has no config here is dropped: resolving it would need the registry anyway.
    for (const [reference, digest] of Object.entries(tags)) {
      if (typeof digest === "string" && DIGEST.test(digest) && this.images.has(digest))
        this.tags.set(reference, digest);
    }
  }

  toJSON(): string {
    const sorted = <T>(m: Map<string, T>) => Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : 1)));
    const body =
      this.tags.size === 0
        ? { version: 1, images: sorted(this.images) }
        : { version: 1, images: sorted(this.images), tags: sorted(this.tags) };
    return `${JSON.stringify(body, null, 2)}\n`;
  }
}

/** A cache backed by a file; `save()` writes atomically only when something changed. */
export class FileLayersCache extends MemoryLayersCache {
  constructor(readonly path: string) {
    super();
    if (existsSync(path)) this.load(readFileSync(path, "utf8"));
  }

  save(): void {
    if (this.dirty) writeFileAtomic(this.path, this.toJSON());
    this.dirty = false;
  }
}
