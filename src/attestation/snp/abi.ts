// SEV-SNP attestation report parser: 1184 bytes → readonly typed report, strict per version (AMD SEV-SNP Firmware ABI #56860: ATTESTATION_REPORT, TCB_VERSION, guest policy, PLATFORM_INFO).

import { isAllZero, toHex, view } from "../../common/bytes.ts";
import type { ParseCode } from "../../common/codes.ts";
import { ParseError } from "../../common/errors.ts";
import {
  decodeGuestPolicy,
  decodePlatformInfo,
  decodeSignerInfo,
  POLICY_MAX_BIT,
  POLICY_RESERVED_ONE_BIT,
  type SnpGuestPolicy,
  type SnpPlatformInfo,
  type SnpSignerInfo,
} from "./policy-bits.ts";
import {
  layoutForProduct,
  layoutFromFamily,
  productFromCpuid,
  type SnpCpuid,
  type SnpProduct,
  type SnpTcbLayout,
} from "./product.ts";
import { LEN, OFF, reservedRanges, SNP_REPORT_SIZE } from "./report-layout.ts";
import { decodeTcb, type SnpTcb } from "./tcb.ts";

export { encodeSnpReport } from "./encode-report.ts";

export interface SnpFirmwareVersion {
  readonly major: number;
  readonly minor: number;
  readonly build: number;
}

/** Every field of the report; the input of `encodeSnpReport` and the core of a parsed `SnpReport`. */
export interface SnpReportFields {
  readonly version: number;
  readonly guestSvn: number;
  readonly policy: SnpGuestPolicy;
  readonly familyId: Uint8Array;
  readonly imageId: Uint8Array;
  readonly vmpl: number;
  readonly signatureAlgo: number;
  readonly currentTcb: SnpTcb;
  readonly platformInfo: SnpPlatformInfo;
  readonly signerInfo: SnpSignerInfo;
  readonly reportData: Uint8Array;
  readonly measurement: Uint8Array;
  readonly hostData: Uint8Array;
  readonly idKeyDigest: Uint8Array;
  readonly authorKeyDigest: Uint8Array;
  readonly reportId: Uint8Array;
  readonly reportIdMa: Uint8Array;
  readonly reportedTcb: SnpTcb;
  /** CPUID_FAM_ID/MOD_ID/STEP; undefined in v2 reports, which do not carry them. */
  readonly cpuid: SnpCpuid | undefined;
  readonly chipId: Uint8Array;
  readonly committedTcb: SnpTcb;
  readonly currentVersion: SnpFirmwareVersion;
  readonly committedVersion: SnpFirmwareVersion;
  readonly launchTcb: SnpTcb;
  /** v5 only. */
  readonly launchMitVector: bigint | undefined;
  /** v5 only. */
  readonly currentMitVector: bigint | undefined;
  /** R and S as stored: 72-byte little-endian integers. */
  readonly signature: { readonly r: Uint8Array; readonly s: Uint8Array };
  /** Layout the four TCB fields were decoded with. */
  readonly tcbLayout: SnpTcbLayout;
}

export interface SnpReport extends SnpReportFields {
  /** The raw policy u64 (bits 63:26 are zero, so a number is exact). */
  readonly policyRaw: number;
  /** Product from CPUID (v3+), else the caller's hint, else undefined. */
  readonly product: SnpProduct | undefined;
  /** A private copy of all 1184 input bytes (the signature covers `raw[0, 0x2A0)`). */
  readonly raw: Uint8Array;
}

export interface ParseSnpReportOptions {
  /** Product known out of band (needed to pick the TCB layout of v2 reports). CPUID bytes win when present. */
  readonly product?: SnpProduct;
}

function fail(code: ParseCode, field: string, message: string): never {
  throw new ParseError(code, `snp report ${field}: ${message}`, { field });
}

/** Parses and strictly checks one report. Throws only `ParseError`. */
export function parseSnpReport(bytes: Uint8Array, opts: ParseSnpReportOptions = {}): SnpReport {
  if (!(bytes instanceof Uint8Array) || bytes.length !== SNP_REPORT_SIZE) {
    const got = bytes instanceof Uint8Array ? `${bytes.length} bytes` : typeof bytes;
    fail("snp_report_length", "length", `expected ${SNP_REPORT_SIZE} bytes, got ${got}`);
  }
  const raw = bytes.slice();
  const dv = view(raw);
  const version = dv.getUint32(OFF.version, true);
  if (version < 2 || version > 5) fail("snp_report_version", "version", `expected 2..5, got ${version}`);
  const policyRaw = checkPolicy(dv.getBigUint64(OFF.policy, true));
  const signatureAlgo = dv.getUint32(OFF.signatureAlgo, true);
  if (signatureAlgo !== 1) {
    fail("snp_signature_algo", "signature_algo", `expected 1 (ecdsa p-384 sha-384), got ${signatureAlgo}`);
  }
  const signerRaw = dv.getUint32(OFF.signerInfo, true);
  const signerInfo = decodeSignerInfo(signerRaw);
  if (!signerInfo) {
    fail(
      "snp_signer_info_invalid",
      "signer_info",
      `expected bits 31:5 zero and signing key 0, 1 or 7, got 0x${signerRaw.toString(16)}`,
    );
  }
  for (const r of reservedRanges(version)) {
    if (!isAllZero(raw.subarray(r.start, r.end))) {
      fail(
        "snp_reserved_nonzero",
        r.field,
        `expected zero bytes at 0x${r.start.toString(16)}..0x${r.end.toString(16)}, got ${toHex(raw.subarray(r.start, r.end))}`,
      );
    }
  }
  const cpuid = version >= 3 ? readCpuid(raw) : undefined;
  const chipId = raw.slice(OFF.chipId, OFF.chipId + LEN.chipId);
  const cpuidProduct = cpuid ? productFromCpuid(cpuid.family, cpuid.model) : undefined;
  const product = cpuidProduct ?? opts.product;
  const tcbLayout = chooseLayout(cpuid, product, chipId);
  const tcbAt = (off: number): SnpTcb => decodeTcb(raw.subarray(off, off + 8), tcbLayout);
  const bytesAt = (off: number, len: number): Uint8Array => raw.slice(off, off + len);
  return Object.freeze({
    version,
    guestSvn: dv.getUint32(OFF.guestSvn, true),
    policy: decodeGuestPolicy(policyRaw),
    policyRaw,
    familyId: bytesAt(OFF.familyId, LEN.familyId),
    imageId: bytesAt(OFF.imageId, LEN.imageId),
    vmpl: dv.getUint32(OFF.vmpl, true),
    signatureAlgo,
    currentTcb: tcbAt(OFF.currentTcb),
    platformInfo: decodePlatformInfo(dv.getBigUint64(OFF.platformInfo, true)),
    signerInfo,
    reportData: bytesAt(OFF.reportData, LEN.reportData),
    measurement: bytesAt(OFF.measurement, LEN.measurement),
    hostData: bytesAt(OFF.hostData, LEN.hostData),
    idKeyDigest: bytesAt(OFF.idKeyDigest, LEN.idKeyDigest),
    authorKeyDigest: bytesAt(OFF.authorKeyDigest, LEN.authorKeyDigest),
    reportId: bytesAt(OFF.reportId, LEN.reportId),
    reportIdMa: bytesAt(OFF.reportIdMa, LEN.reportIdMa),
    reportedTcb: tcbAt(OFF.reportedTcb),
    cpuid,
    chipId,
    committedTcb: tcbAt(OFF.committedTcb),
    currentVersion: readVersion(raw, OFF.currentMajor, OFF.currentMinor, OFF.currentBuild),
    committedVersion: readVersion(raw, OFF.committedMajor, OFF.committedMinor, OFF.committedBuild),
    launchTcb: tcbAt(OFF.launchTcb),
    launchMitVector: version >= 5 ? dv.getBigUint64(OFF.launchMitVector, true) : undefined,
    currentMitVector: version >= 5 ? dv.getBigUint64(OFF.currentMitVector, true) : undefined,
    signature: Object.freeze({
      r: bytesAt(OFF.signatureR, LEN.signatureComponent),
      s: bytesAt(OFF.signatureS, LEN.signatureComponent),
    }),
    tcbLayout,
    product,
    raw,
  });
}

/** Policy bit 17 must be 1 and bits 63:26 must be 0 (AMD SEV-SNP Firmware ABI #56860, guest policy). */
function checkPolicy(policy: bigint): number {
  if (((policy >> BigInt(POLICY_RESERVED_ONE_BIT)) & 1n) !== 1n) {
    fail("snp_policy_invalid", "policy", `expected reserved bit 17 set, got 0x${policy.toString(16)}`);
  }
  if (policy >> BigInt(POLICY_MAX_BIT + 1) !== 0n) {
    fail("snp_policy_invalid", "policy", `expected bits 63:26 zero, got 0x${policy.toString(16)}`);
  }
  return Number(policy);
}

function readCpuid(raw: Uint8Array): SnpCpuid {
  return Object.freeze({
    family: raw[OFF.cpuidFamily]!,
    model: raw[OFF.cpuidModel]!,
    stepping: raw[OFF.cpuidStepping]!,
  });
}

function readVersion(raw: Uint8Array, major: number, minor: number, build: number): SnpFirmwareVersion {
  return Object.freeze({ major: raw[major]!, minor: raw[minor]!, build: raw[build]! });
}

/**
 * AMD SEV-SNP Firmware ABI #56860, TCB_VERSION: the layout follows the product, not the report version. v3+ → CPUID family; otherwise the
 * product (CPUID product or the caller's hint); with neither, virtee's heuristic: a non-zero CHIP_ID whose
 * bytes 8..63 are zero is a Turin chip (Turin IDs are 8 bytes).
 */
function chooseLayout(
  cpuid: SnpCpuid | undefined,
  product: SnpProduct | undefined,
  chipId: Uint8Array,
): SnpTcbLayout {
  const fromFamily = cpuid ? layoutFromFamily(cpuid.family) : undefined;
  if (fromFamily) return fromFamily;
  if (product) return layoutForProduct(product);
  const looksTurin = !isAllZero(chipId.subarray(0, 8)) && isAllZero(chipId.subarray(8));
  return looksTurin ? "turin" : "milan";
}
