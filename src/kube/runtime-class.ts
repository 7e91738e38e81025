// Recognises Contrast runtime class names (`contrast-cc`, `contrast-cc-<platform>[-<8 hex>]`) and maps them to a handler.

export const RUNTIME_CLASS_PREFIX = "contrast-cc";

/** Maps a platform (undefined = the default one) to the concrete handler name; throws ConfigError if unknown. */
export type HandlerFor = (platform: string | undefined) => string;

export function isConfidentialRuntimeClass(name: unknown): name is string {
  return typeof name === "string" && name.startsWith(RUNTIME_CLASS_PREFIX);
}

const HASH_SUFFIX = /-[0-9a-f]{8}$/;

/**
 * Platform named by a runtime class (edgelesssys/contrast internal/platforms): `contrast-cc` → undefined,
 * `contrast-cc-metal-qemu-snp` and `contrast-cc-metal-qemu-snp-1a2b3c4d` → `metal-qemu-snp`.
 */
export function platformOfRuntimeClass(name: string): string | undefined {
  if (name === RUNTIME_CLASS_PREFIX) return undefined;
  const rest = name.slice(RUNTIME_CLASS_PREFIX.length + 1);
  const platform = rest.replace(HASH_SUFFIX, "");
  return platform === "" ? undefined : platform;
}
