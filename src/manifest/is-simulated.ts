// Detects manifests that trust the development sim chain, so every CLI command can warn about them.

import type { Manifest } from "./schema.ts";

/** True when any SNP reference value names a simulated ARK (docs/architecture.md, simulated TEE). */
export function isSimulated(manifest: Manifest): boolean {
  return (manifest.ReferenceValues.snp ?? []).some((e) => e.SimulatedARK !== undefined);
}
