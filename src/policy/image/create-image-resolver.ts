// The ImageResolver the generator uses: known images first, then the layers cache (by digest, or a tag resolved before),
// then the registry unless offline. `refreshTags` skips the remembered tags, so a tag that moved is seen.

import { UnavailableError } from "../../common/errors.ts";
import type { ImageConfig, ImageResolver, ResolvedImage } from "./image-config.ts";
import { parseImageReference } from "./image-reference.ts";
import { type LayersCache, tagKey } from "./layers-cache.ts";
import { RegistryClient, type RegistryClientOptions } from "./registry-client.ts";

export interface KnownImage {
  readonly digest: string;
  readonly config: ImageConfig;
}

export interface ImageResolverOptions extends RegistryClientOptions {
  readonly cache: LayersCache;
  /** Images the binary ships (Coordinator, Initializer), keyed by the exact reference used in YAML. */
  readonly known?: ReadonlyMap<string, KnownImage>;
  /** Never contact a registry; tag-only references then fail. */
  readonly offline?: boolean;
  /** Ask the registry for every tag again instead of the digest the cache remembers (a tag that moved). */
  readonly refreshTags?: boolean;
}

export function createImageResolver(opts: ImageResolverOptions): ImageResolver {
  const client = new RegistryClient(opts);
  const inflight = new Map<string, Promise<ResolvedImage>>();
  const resolve = async (reference: string): Promise<ResolvedImage> => {
    const ref = parseImageReference(reference);
    const known = opts.known?.get(reference);
    if (known !== undefined)
      return { repository: ref.name, digest: known.digest, config: known.config, resolvedFromTag: false };
    if (ref.digest !== undefined) {
      const cached = opts.cache.get(ref.digest);
      if (cached !== undefined)
        return { repository: ref.name, digest: ref.digest, config: cached, resolvedFromTag: false };
    } else if (opts.refreshTags !== true) {
      // A tag resolved before: its digest and config are in the cache, no registry needed (issue 13).
      const digest = opts.cache.getTag?.(tagKey(ref));
      const cached = digest === undefined ? undefined : opts.cache.get(digest);
      if (digest !== undefined && cached !== undefined)
        return { repository: ref.name, digest, config: cached, resolvedFromTag: true };
    }
    if (opts.offline === true) {
      throw new UnavailableError(
        "image_not_cached",
        `image ${reference}: offline mode expected ${ref.digest === undefined ? "a digest-pinned reference" : "the digest in the layers cache"}, got ${ref.digest === undefined ? "a tag" : "a cache miss"}`,
      );
    }
    const fetched = await client.fetchImage(ref);
    opts.cache.set(fetched.digest, fetched.config);
    if (ref.digest === undefined) opts.cache.setTag?.(tagKey(ref), fetched.digest);
    return {
      repository: ref.name,
      digest: fetched.digest,
      config: fetched.config,
      resolvedFromTag: ref.digest === undefined,
    };
  };
  return (reference) => {
    let p = inflight.get(reference);
    if (p === undefined) {
      p = resolve(reference);
      inflight.set(reference, p);
    }
    return p;
  };
}
