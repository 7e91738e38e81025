// A deterministic in-memory ImageResolver for tests (digest = sha256 of the reference, config from a small table), and
// generateDeployment options around it.

import { createHash } from "node:crypto";
import type { GenerateOptions } from "../../src/policy/generate-deployment.ts";
import type { ImageConfig, ImageResolver, ResolvedImage } from "../../src/policy/image/image-config.ts";
import { parseImageReference } from "../../src/policy/image/image-reference.ts";
import { DEFAULT_RULES_TEXT } from "../../src/policy/render-policy.ts";
import { defaultSettings } from "../../src/policy/settings.ts";

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

/** generateDeployment's options for `files` with the test handler and Initializer, default rules and settings, offline images. */
export function testGenerateOptions(
  files: GenerateOptions["files"],
  extra: Partial<GenerateOptions> = {},
): GenerateOptions {
  return {
    files,
    handlerFor: testHandlerFor,
    initializerImage: TEST_INITIALIZER_IMAGE,
    rules: DEFAULT_RULES_TEXT,
    settings: defaultSettings(),
    imageResolver: fakeImageResolver(),
    ...extra,
  };
}
