// Manifest reference values → validator options of the attestation layer (reference §1.12, §2.6).

import type { SnpValidateOptions } from "../attestation/snp/validate-options.ts";
import type { TdxValidateOptions } from "../attestation/tdx/validate.ts";
import { fromHex } from "../common/bytes.ts";
import type { SnpReferenceValue, TdxReferenceValue } from "./types.ts";

/** Per-call data (the expected report data) is passed in, never stored in shared options. */
export function snpOptionsFor(rv: SnpReferenceValue, reportData?: Uint8Array): SnpValidateOptions {
  const t = rv.MinimumTCB;
  const minimumTcb: Record<string, number> = {};
  if (t.BootloaderVersion !== null) minimumTcb.bootloader = t.BootloaderVersion;
  if (t.TEEVersion !== null) minimumTcb.tee = t.TEEVersion;
  if (t.SNPVersion !== null) minimumTcb.snp = t.SNPVersion;
  if (t.MicrocodeVersion !== null) minimumTcb.microcode = t.MicrocodeVersion;
  if (t.FMCVersion !== undefined && t.FMCVersion !== null) minimumTcb.fmc = t.FMCVersion;
  const g = rv.GuestPolicy;
  const p = rv.PlatformInfo;
  const mit = rv.MinimumMitigationVector === undefined ? undefined : BigInt(rv.MinimumMitigationVector);
  return {
    product: rv.ProductName,
    measurement: fromHex(rv.TrustedMeasurement, "TrustedMeasurement", 48),
    minimumTcb,
    guestPolicy: {
      allowDebug: g.Debug,
      allowMigrateMa: g.MigrateMA,
      allowSmt: g.SMT,
      allowCxl: g.CXLAllowed,
      requireSingleSocket: g.SingleSocket,
      requireMemAes256Xts: g.MemAES256XTS,
      requireRaplDis: g.RAPLDis,
      requireCiphertextHidingDram: g.CipherTextHidingDRAM,
      requirePageSwapDisable: g.PageSwapDisable,
      minimumAbiMajor: g.ABIMajor,
      minimumAbiMinor: g.ABIMinor,
    },
    platformInfo: {
      allowSmt: p.SMTEnabled,
      allowTsme: p.TSMEEnabled,
      allowTio: p.TIOEnabled,
      requireEcc: p.ECCEnabled,
      requireRaplDisabled: p.RAPLDisabled,
      requireCiphertextHidingDram: p.CiphertextHidingDRAMEnabled,
      requireAliasCheckComplete: p.AliasCheckComplete,
    },
    vmpl: 0,
    allowedChipIds: (rv.AllowedChipIDs ?? []).map((h, i) => fromHex(h, `AllowedChipIDs[${i}]`, 64)),
    trustedIdKeyDigests: (rv.TrustedIDKeyDigests ?? []).map((h, i) =>
      fromHex(h, `TrustedIDKeyDigests[${i}]`, 48),
    ),
    ...(mit === undefined ? {} : { minimumLaunchMitigationVector: mit, minimumCurrentMitigationVector: mit }),
    permitProvisionalFirmware: true,
    ...(reportData ? { reportData } : {}),
  };
}

/** TD attributes Contrast expects: only SEPT_VE_DISABLE (bit 28); DEBUG is always rejected by the validator. */
export const EXPECTED_TD_ATTRIBUTES = 1n << 28n;

export function tdxOptionsFor(rv: TdxReferenceValue, reportData?: Uint8Array): TdxValidateOptions {
  return {
    mrTd: fromHex(rv.MrTd, "MrTd", 48),
    mrSeam: fromHex(rv.MrSeam, "MrSeam", 48),
    rtmrs: rv.Rtmrs.map((h, i) => fromHex(h, `Rtmrs[${i}]`, 48)),
    xfam: fromHex(rv.Xfam, "Xfam", 8),
    xfamIgnoreCet: true,
    tdAttributes: EXPECTED_TD_ATTRIBUTES,
    allowedPiids: (rv.AllowedPIIDs ?? []).length
      ? rv.AllowedPIIDs!.map((h, i) => fromHex(h, `AllowedPIIDs[${i}]`, 16))
      : undefined,
    acceptedTcbStatuses: rv.AllowedTCBStatuses ?? ["UpToDate"],
    ...(rv.MinTCBEvaluationDataNumber ? { minTcbEvaluationDataNumber: rv.MinTCBEvaluationDataNumber } : {}),
    memoryIntegrity: rv.MemoryIntegrity ?? false,
    smtDisabled: rv.SMTDisabled ?? false,
    staticPlatform: rv.StaticPlatform ?? false,
    ...(reportData ? { reportData } : {}),
  };
}
