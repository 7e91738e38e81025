// Byte offsets and sizes of the SEV-SNP ATTESTATION_REPORT (AMD SEV-SNP Firmware ABI #56860, table ATTESTATION_REPORT).

export const SNP_REPORT_SIZE = 0x4a0; // 1184
/** The signature covers bytes [0, 0x2A0). */
export const SNP_SIGNED_LENGTH = 0x2a0;

export const OFF = {
  version: 0x000,
  guestSvn: 0x004,
  policy: 0x008,
  familyId: 0x010,
  imageId: 0x020,
  vmpl: 0x030,
  signatureAlgo: 0x034,
  currentTcb: 0x038,
  platformInfo: 0x040,
  signerInfo: 0x048,
  reportData: 0x050,
  measurement: 0x090,
  hostData: 0x0c0,
  idKeyDigest: 0x0e0,
  authorKeyDigest: 0x110,
  reportId: 0x140,
  reportIdMa: 0x160,
  reportedTcb: 0x180,
  cpuidFamily: 0x188,
  cpuidModel: 0x189,
  cpuidStepping: 0x18a,
  chipId: 0x1a0,
  committedTcb: 0x1e0,
  currentBuild: 0x1e8,
  currentMinor: 0x1e9,
  currentMajor: 0x1ea,
  committedBuild: 0x1ec,
  committedMinor: 0x1ed,
  committedMajor: 0x1ee,
  launchTcb: 0x1f0,
  launchMitVector: 0x1f8,
  currentMitVector: 0x200,
  signatureR: 0x2a0,
  signatureS: 0x2e8,
  signatureTail: 0x330,
} as const;

export const LEN = {
  familyId: 16,
  imageId: 16,
  reportData: 64,
  measurement: 48,
  hostData: 32,
  idKeyDigest: 48,
  authorKeyDigest: 48,
  reportId: 32,
  reportIdMa: 32,
  chipId: 64,
  /** R and S are 72-byte little-endian integers; P-384 values use the low 48 bytes. */
  signatureComponent: 72,
  p384Scalar: 48,
} as const;

export interface ReservedRange {
  readonly field: string;
  readonly start: number;
  readonly end: number;
}

/** Must-be-zero ranges per report version (AMD SEV-SNP Firmware ABI #56860, ATTESTATION_REPORT, reserved fields). */
export function reservedRanges(version: number): readonly ReservedRange[] {
  const common: ReservedRange[] = [
    { field: "reserved_0x4c", start: 0x04c, end: 0x050 },
    { field: "reserved_0x1eb", start: 0x1eb, end: 0x1ec },
    { field: "reserved_0x1ef", start: 0x1ef, end: 0x1f0 },
  ];
  // v2 has no CPUID bytes: 0x188..0x19F is reserved; v3+ keeps 0x18B..0x19F reserved.
  common.push(
    version >= 3
      ? { field: "reserved_0x18b", start: 0x18b, end: 0x1a0 }
      : { field: "reserved_0x188", start: 0x188, end: 0x1a0 },
  );
  // v5 added the two mitigation vectors at 0x1F8 and 0x200.
  common.push(
    version >= 5
      ? { field: "reserved_0x208", start: 0x208, end: 0x2a0 }
      : { field: "reserved_0x1f8", start: 0x1f8, end: 0x2a0 },
  );
  common.push(
    { field: "signature.r", start: OFF.signatureR + LEN.p384Scalar, end: OFF.signatureS },
    { field: "signature.s", start: OFF.signatureS + LEN.p384Scalar, end: OFF.signatureTail },
    { field: "signature_tail", start: OFF.signatureTail, end: SNP_REPORT_SIZE },
  );
  return common;
}
