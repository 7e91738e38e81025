// Merges freshly generated reference values with an existing manifest's, keeping what the user filled in or added.

import type { SnpReferenceValue } from "../attestation/snp/reference-value.ts";
import type { TdxReferenceValue } from "../attestation/tdx/reference-value.ts";
import type { ReferenceValues } from "./schema.ts";

export interface MergedReferenceValues {
  readonly referenceValues: ReferenceValues;
  /** `<tee> <Platform>` of previous entries left out because their platform is no longer chosen. */
  readonly dropped: readonly string[];
}

type Entry = SnpReferenceValue | TdxReferenceValue;

function merge<T extends Entry>(
  fresh: readonly T[],
  previous: readonly T[],
  key: (e: T) => string,
): { kept: T[]; dropped: string[] } {
  const platforms = new Set(fresh.map((e) => e.Platform));
  const freshKeys = new Set(fresh.map(key));
  const kept: T[] = [];
  for (const e of fresh) {
    const mine = previous.filter((p) => key(p) === key(e));
    kept.push(...(mine.length > 0 ? mine : [e]));
  }
  for (const p of previous) {
    if (platforms.has(p.Platform) && !freshKeys.has(key(p))) kept.push(p);
  }
  const dropped = previous.filter((p) => !platforms.has(p.Platform)).map((p) => p.Platform);
  return { kept, dropped };
}

/**
 * For every platform in `fresh`, the previous manifest's entries of the same platform (and SNP product) win, so
 * filled-in TCBs, MrSeam, chip IDs and user-added entries survive a re-run; fresh entries fill the gaps. Entries of
 * platforms not in `fresh` are dropped (deny by default: switching from `sim` must not keep trusting the sim chain).
 */
export function mergeReferenceValues(
  fresh: ReferenceValues,
  previous: ReferenceValues | undefined,
): MergedReferenceValues {
  const snp = merge(fresh.snp ?? [], previous?.snp ?? [], (e) => `${e.Platform}\u0000${e.ProductName}`);
  const tdx = merge(fresh.tdx ?? [], previous?.tdx ?? [], (e) => e.Platform);
  return {
    referenceValues: {
      ...(snp.kept.length > 0 ? { snp: snp.kept } : {}),
      ...(tdx.kept.length > 0 ? { tdx: tdx.kept } : {}),
    },
    dropped: [...new Set([...snp.dropped.map((p) => `snp ${p}`), ...tdx.dropped.map((p) => `tdx ${p}`)])],
  };
}

/** Concatenates the entries of several platforms' reference values. */
export function concatReferenceValues(parts: readonly ReferenceValues[]): ReferenceValues {
  const snp = parts.flatMap((p) => p.snp ?? []);
  const tdx = parts.flatMap((p) => p.tdx ?? []);
  return { ...(snp.length > 0 ? { snp } : {}), ...(tdx.length > 0 ? { tdx } : {}) };
}
