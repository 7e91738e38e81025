// The demo's images as a node has them: found by the digest `generate` pinned ("pull") among the demo's OCI layouts,
// and unpacked once each with umoci (the lower layer of every container that runs the image).

import { join } from "node:path";
import { ConfigError } from "../src/common/errors.ts";
import { run } from "./host.ts";
import { type LayoutImage, pinnedDigest } from "./oci-layout.ts";
import type { ContainerSpec } from "./pod-spec.ts";

/** The image a container names, by the digest `generate` pinned; a tag-only or unknown one is refused. */
export function imageFor(images: ReadonlyMap<string, LayoutImage>, c: ContainerSpec): LayoutImage {
  const digest = pinnedDigest(c.image);
  const image = digest === undefined ? undefined : images.get(digest);
  if (image === undefined) {
    throw new ConfigError(
      "demo_image_unknown",
      `container ${c.name}: image: expected a digest of one of the demo's images, got ${c.image}`,
    );
  }
  return image;
}

export class ImageStore {
  private readonly unpacked = new Map<string, Promise<string>>();
  readonly byDigest: ReadonlyMap<string, LayoutImage>;

  /** `dir`: where images are unpacked (the caller records it for removal). */
  constructor(
    private readonly dir: string,
    images: readonly LayoutImage[],
  ) {
    this.byDigest = new Map(images.map((i) => [i.digest, i]));
  }

  /** Starts unpacking every image now (as a node pre-pulls), so the pods do not wait for it later. */
  prefetch(): void {
    for (const image of this.byDigest.values()) void this.unpack(image).catch(() => {});
  }

  /** The unpacked bundle directory of `image` (its `rootfs/` and umoci's `config.json`). */
  unpack(image: LayoutImage): Promise<string> {
    let p = this.unpacked.get(image.digest);
    if (p === undefined) {
      const dir = join(this.dir, image.digest.slice("sha256:".length, "sha256:".length + 16));
      p = run(["umoci", "unpack", "--image", `${image.layout}:${image.tag}`, dir]).then(() => dir);
      this.unpacked.set(image.digest, p);
    }
    return p;
  }
}
