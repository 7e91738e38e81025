// Decides the reference values of a generated manifest: the chosen platform's, those of platforms workloads name, or the previous manifest's.

import { ConfigError } from "../common/errors.ts";
import {
  concatReferenceValues,
  type MergedReferenceValues,
  mergeReferenceValues,
} from "./merge-reference-values.ts";
import { platformReferenceValues, type ReferencePlatform } from "./platform-reference-values.ts";
import type { Manifest, ReferenceValues } from "./schema.ts";

export interface SelectReferenceValuesInput {
  /** Values of the `--reference-values` platform (defaults, or a sim dir's file); undefined without the flag. */
  readonly chosen: ReferenceValues | undefined;
  /** Platforms named by workload runtime classes. */
  readonly named: readonly ReferencePlatform[];
  readonly previous: Manifest | undefined;
}

function platformsOf(refs: ReferenceValues): Set<string> {
  return new Set([...(refs.snp ?? []), ...(refs.tdx ?? [])].map((e) => e.Platform));
}

/**
 * Without `--reference-values`, an existing manifest's values are kept as they are. Otherwise the chosen values
 * plus defaults for every other named platform are merged with the previous manifest (`mergeReferenceValues`).
 */
export function selectReferenceValues(input: SelectReferenceValuesInput): MergedReferenceValues {
  if (input.chosen === undefined && input.previous !== undefined)
    return { referenceValues: input.previous.ReferenceValues, dropped: [] };
  const chosen = input.chosen ?? {};
  const have = platformsOf(chosen);
  const extra = input.named.filter((p) => !have.has(p.name)).map((p) => platformReferenceValues(p));
  const fresh = concatReferenceValues([chosen, ...extra]);
  if ((fresh.snp?.length ?? 0) + (fresh.tdx?.length ?? 0) === 0) {
    throw new ConfigError(
      "reference_values_missing",
      "--reference-values: expected a platform (CLH-SNP, Metal-QEMU-SNP, Metal-QEMU-TDX or sim), got none and no workload names one",
      { field: "reference-values" },
    );
  }
  return mergeReferenceValues(fresh, input.previous?.ReferenceValues);
}
