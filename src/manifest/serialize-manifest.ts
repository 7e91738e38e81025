// Writes a manifest as the CLI stores it: 2-space JSON, reference field order, sorted key lists, trailing newline.
//
// Only the CLI that creates manifest.json calls this; everything else hashes and forwards the bytes it was given.

import type { Manifest, PolicyEntry, SnpReferenceValue, TdxReferenceValue } from "./types.ts";

export function serializeManifest(manifest: Manifest): string {
  const policies: Record<string, PolicyEntry> = {};
  for (const digest of Object.keys(manifest.Policies).sort()) {
    const e = manifest.Policies[digest] as PolicyEntry;
    policies[digest] = pick(e, ["SANs", "WorkloadSecretID", "Role"]) as unknown as PolicyEntry;
  }
  const refs: Record<string, unknown> = {};
  if (manifest.ReferenceValues.snp?.length) refs.snp = manifest.ReferenceValues.snp.map(orderSnp);
  if (manifest.ReferenceValues.tdx?.length) refs.tdx = manifest.ReferenceValues.tdx.map(orderTdx);
  const out = {
    Policies: policies,
    ReferenceValues: refs,
    WorkloadOwnerPubKeys: [...manifest.WorkloadOwnerPubKeys].map((k) => k.toLowerCase()).sort(),
    SeedshareOwnerPubKeys: [...manifest.SeedshareOwnerPubKeys].map((k) => k.toLowerCase()).sort(),
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}

function orderSnp(e: SnpReferenceValue): Record<string, unknown> {
  return {
    ...pick(e, ["Platform", "ProductName", "TrustedMeasurement"]),
    MinimumTCB: pick(e.MinimumTCB, [
      "BootloaderVersion",
      "TEEVersion",
      "SNPVersion",
      "MicrocodeVersion",
      "FMCVersion",
    ]),
    GuestPolicy: pick(e.GuestPolicy, [
      "ABIMinor",
      "ABIMajor",
      "SMT",
      "MigrateMA",
      "Debug",
      "SingleSocket",
      "CXLAllowed",
      "MemAES256XTS",
      "RAPLDis",
      "CipherTextHidingDRAM",
      "PageSwapDisable",
    ]),
    PlatformInfo: pick(e.PlatformInfo, [
      "SMTEnabled",
      "TSMEEnabled",
      "ECCEnabled",
      "RAPLDisabled",
      "CiphertextHidingDRAMEnabled",
      "AliasCheckComplete",
      "TIOEnabled",
    ]),
    ...pick(e, [
      "MinimumMitigationVector",
      "AllowedChipIDs",
      "TrustedIDKeyDigests",
      "SimulatedARK",
      "AllowMissingCRL",
    ]),
  };
}

function orderTdx(e: TdxReferenceValue): Record<string, unknown> {
  return pick(e, [
    "Platform",
    "MinTCBEvaluationDataNumber",
    "MrTd",
    "MrSeam",
    "Rtmrs",
    "Xfam",
    "AllowedPIIDs",
    "MemoryIntegrity",
    "SMTDisabled",
    "StaticPlatform",
    "AllowedTCBStatuses",
    "AllowMissingCRL",
  ]);
}

/** The listed keys of `o` in the listed order, skipping undefined ones. */
function pick(o: object, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = (o as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}
