// `layers-cache.json`: image configs keyed by manifest digest, so a warm or offline run needs no registry.

import { existsSync, readFileSync } from "node:fs";
import { writeFileAtomic } from "../../common/atomic-file.ts";
import { ParseError } from "../../common/errors.ts";
import type { ImageConfig } from "./image-config.ts";

export interface LayersCache {
  get(digest: string): ImageConfig | undefined;
  set(digest: string, config: ImageConfig): void;
}

/** In-memory cache with a JSON form: `{ "version": 1, "images": { "<digest>": <config> } }` with sorted keys. */
export class MemoryLayersCache implements LayersCache {
  protected readonly images = new Map<string, ImageConfig>();
  dirty = false;

  get(digest: string): ImageConfig | undefined {
    return this.images.get(digest);
  }

  set(digest: string, config: ImageConfig): void {
    this.images.set(digest, config);
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
      if (/^sha256:[0-9a-f]{64}$/.test(digest) && typeof config === "object" && config !== null) {
        this.images.set(digest, config as ImageConfig);
      }
    }
  }

  toJSON(): string {
    const sorted = Object.fromEntries([...this.images].sort(([a], [b]) => (a < b ? -1 : 1)));
    return `${JSON.stringify({ version: 1, images: sorted }, null, 2)}\n`;
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
