// A deterministic in-memory ImageResolver for tests: digest = sha256 of the reference, config from a small table.

import { createHash } from "node:crypto";
import type { ImageConfig, ImageResolver, ResolvedImage } from "../../src/policy/image/image-config.ts";
import { parseImageReference } from "../../src/policy/image/image-reference.ts";

const DEFAULT_CONFIG: ImageConfig = {
  Entrypoint: ["/docker-entrypoint.sh"],
  Cmd: ["serve"],
  Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
};

/** Resolver that never touches the network. `configs` overrides the config per repository name. */
export function fakeImageResolver(
  configs: Readonly<Record<string, ImageConfig>> = {},
): ImageResolver & { calls: string[] } {
  const calls: string[] = [];
  const resolver = async (reference: string): Promise<ResolvedImage> => {
    calls.push(reference);
    const ref = parseImageReference(reference);
    const digest = ref.digest ?? `sha256:${createHash("sha256").update(reference).digest("hex")}`;
    const config = configs[ref.name] ?? DEFAULT_CONFIG;
    return { repository: ref.name, digest, config, resolvedFromTag: ref.digest === undefined };
  };
  return Object.assign(resolver, { calls });
}

export const TEST_INITIALIZER_IMAGE =
  "ghcr.io/edgelesssys/contrast/initializer:v1.0.0@sha256:1111111111111111111111111111111111111111111111111111111111111111";

export const testHandlerFor = (platform: string | undefined): string =>
  `contrast-cc-${platform ?? "metal-qemu-snp"}-0a1b2c3d`;
