// Lists manifest fields that only the user can fill in (bare-metal TCB, MrSeam) as path-named hints.

import type { Manifest } from "./schema.ts";

/** Hints, not errors: `parseManifest` accepts these unless `requireComplete` is set (by `set`). */
export function missingUserValues(manifest: Manifest): string[] {
  const hints: string[] = [];
  manifest.ReferenceValues.snp?.forEach((e, i) => {
    const path = `ReferenceValues.snp[${i}].MinimumTCB`;
    for (const [k, v] of Object.entries(e.MinimumTCB)) {
      if (v === null) hints.push(`${path}.${k}: must be filled in by the user, got null`);
    }
  });
  manifest.ReferenceValues.tdx?.forEach((e, i) => {
    if (/^0+$/.test(e.MrSeam)) {
      hints.push(`ReferenceValues.tdx[${i}].MrSeam: must be filled in by the user, got all zeros`);
    }
  });
  return hints;
}
