// One SNP entry of a manifest's ReferenceValues: its field tables (which drive reading, writing and the type) and
// its conversion into validator options, the one place where the manifest's JSON names meet the report's fields.
// Field names and meanings follow edgelesssys/contrast internal/manifest/referencevalues.go (SNPReferenceValues).

import { fromHex } from "../../common/bytes.ts";
import type { Checker } from "../../common/checker.ts";
import { type FieldsOf, field, readFields, type Table } from "../../common/fields.ts";
import { decodePem } from "../../crypto/pem.ts";
import { SNP_PRODUCTS } from "./product.ts";
import type { SnpTcb } from "./tcb.ts";
import type { SnpValidateOptions } from "./validate-options.ts";

/** A security version number (uint8); null means "to be filled in by the user" (bare metal). */
const svn = field.nullable(field.uint(255));

export const SNP_TCB_FIELDS = {
  BootloaderVersion: svn,
  TEEVersion: svn,
  SNPVersion: svn,
  MicrocodeVersion: svn,
  /** Turin only. */
  FMCVersion: field.optional(svn),
} satisfies Table;

/** The guest POLICY limits (AMD SEV-SNP Firmware ABI specification #56860, the guest policy bit field). */
export const SNP_GUEST_POLICY_FIELDS = {
  ABIMinor: field.uint(255),
  ABIMajor: field.uint(255),
  SMT: field.bool(),
  MigrateMA: field.bool(),
  Debug: field.bool(),
  SingleSocket: field.bool(),
  CXLAllowed: field.bool(),
  MemAES256XTS: field.bool(),
  RAPLDis: field.bool(),
  CipherTextHidingDRAM: field.bool(),
  PageSwapDisable: field.bool(),
} satisfies Table;

/** The PLATFORM_INFO limits (AMD SEV-SNP Firmware ABI specification #56860, ATTESTATION_REPORT.PLATFORM_INFO). */
export const SNP_PLATFORM_INFO_FIELDS = {
  SMTEnabled: field.bool(),
  TSMEEnabled: field.bool(),
  ECCEnabled: field.bool(),
  RAPLDisabled: field.bool(),
  CiphertextHidingDRAMEnabled: field.bool(),
  AliasCheckComplete: field.bool(),
  TIOEnabled: field.bool(),
} satisfies Table;

/** A PEM certificate (one CERTIFICATE block). */
const pemCertificate = field.custom<string>((c, v, path) => {
  const s = c.string(v, path);
  if (s === undefined) return undefined;
  try {
    decodePem(s, ["CERTIFICATE"], path);
    return s;
  } catch {
    return c.expected(path, "one pem CERTIFICATE block", v);
  }
});

export const SNP_REFERENCE_VALUE_FIELDS = {
  Platform: field.string(),
  ProductName: field.oneOf(SNP_PRODUCTS),
  /** 48-byte launch MEASUREMENT, hex. */
  TrustedMeasurement: field.hex(48),
  MinimumTCB: field.object(SNP_TCB_FIELDS),
  GuestPolicy: field.object(SNP_GUEST_POLICY_FIELDS),
  PlatformInfo: field.object(SNP_PLATFORM_INFO_FIELDS),
  MinimumMitigationVector: field.optional(field.uint(Number.MAX_SAFE_INTEGER)),
  /** 64-byte chip IDs, hex; absent or empty = any chip. */
  AllowedChipIDs: field.optional(field.list(field.hex(64))),
  /** 48-byte ID key digests, hex. */
  TrustedIDKeyDigests: field.optional(field.list(field.hex(48))),
  /** PEM of the development sim chain's ARK; present only for the simulated platform. */
  SimulatedARK: field.optional(pemCertificate),
  /**
   * Accept a report when no current CRL can be had (KDS unreachable, nothing cached, none in the evidence) instead of
   * refusing it; every use is logged as a warning. A revoked or badly signed chain is refused regardless. Default false.
   */
  AllowMissingCRL: field.optional(field.bool()),
} satisfies Table;

export type SnpReferenceValue = FieldsOf<typeof SNP_REFERENCE_VALUE_FIELDS>;
export type SnpReferenceTcb = FieldsOf<typeof SNP_TCB_FIELDS>;
export type SnpReferenceGuestPolicy = FieldsOf<typeof SNP_GUEST_POLICY_FIELDS>;
export type SnpReferencePlatformInfo = FieldsOf<typeof SNP_PLATFORM_INFO_FIELDS>;

/**
 * Guest policy 0x30000 (SMT allowed, ABI 0.0, nothing else): what the Kata configurations launch with and what the
 * simulated TEE's reports carry.
 */
export const DEFAULT_SNP_GUEST_POLICY: SnpReferenceGuestPolicy = Object.freeze({
  ABIMinor: 0,
  ABIMajor: 0,
  SMT: true,
  MigrateMA: false,
  Debug: false,
  SingleSocket: false,
  CXLAllowed: false,
  MemAES256XTS: false,
  RAPLDis: false,
  CipherTextHidingDRAM: false,
  PageSwapDisable: false,
});

/** PLATFORM_INFO with SMT allowed and no feature required. */
export const DEFAULT_SNP_PLATFORM_INFO: SnpReferencePlatformInfo = Object.freeze({
  SMTEnabled: true,
  TSMEEnabled: false,
  ECCEnabled: false,
  RAPLDisabled: false,
  CiphertextHidingDRAMEnabled: false,
  AliasCheckComplete: false,
  TIOEnabled: false,
});

/** Reads one entry, recording every problem by path; undefined when it has any. */
export function readSnpReferenceValue(c: Checker, v: unknown, path: string): SnpReferenceValue | undefined {
  const before = c.problems.length;
  const entry = readFields(c, v, path, SNP_REFERENCE_VALUE_FIELDS);
  return c.problems.length === before ? entry : undefined;
}

/** A report's TCB as the manifest writes a MinimumTCB (the values the sim chain's reports carry). */
export function referenceTcbOf(tcb: SnpTcb): SnpReferenceTcb {
  return {
    BootloaderVersion: tcb.bootloader,
    TEEVersion: tcb.tee,
    SNPVersion: tcb.snp,
    MicrocodeVersion: tcb.microcode,
    ...(tcb.fmc === undefined ? {} : { FMCVersion: tcb.fmc }),
  };
}

/** The validator options an entry stands for. Per-call data (the expected report data) is passed in, never stored. */
export function snpValidateOptionsFor(rv: SnpReferenceValue, reportData?: Uint8Array): SnpValidateOptions {
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
