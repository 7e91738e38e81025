// Bit fields of the SNP report: guest POLICY (AMD SEV-SNP Firmware ABI #56860, guest policy), PLATFORM_INFO (AMD SEV-SNP Firmware ABI #56860, PLATFORM_INFO) and signer info (AMD SEV-SNP Firmware ABI #56860, ATTESTATION_REPORT, 0x48).

/** Guest policy (u64 at 0x08) decoded. Bits 63:26 are rejected by the parser, so the raw value fits a number. */
export interface SnpGuestPolicy {
  readonly abiMinor: number;
  readonly abiMajor: number;
  readonly smt: boolean;
  readonly migrateMa: boolean;
  readonly debug: boolean;
  readonly singleSocket: boolean;
  readonly cxlAllowed: boolean;
  readonly memAes256Xts: boolean;
  readonly raplDis: boolean;
  readonly ciphertextHidingDram: boolean;
  readonly pageSwapDisable: boolean;
}

export const POLICY_RESERVED_ONE_BIT = 17;
/** Highest defined policy bit; bits above it must be zero (go-sev-guest strictness). */
export const POLICY_MAX_BIT = 25;

const POLICY_FLAGS: readonly (readonly [keyof SnpGuestPolicy, number])[] = [
  ["smt", 16],
  ["migrateMa", 18],
  ["debug", 19],
  ["singleSocket", 20],
  ["cxlAllowed", 21],
  ["memAes256Xts", 22],
  ["raplDis", 23],
  ["ciphertextHidingDram", 24],
  ["pageSwapDisable", 25],
];

export function decodeGuestPolicy(raw: number): SnpGuestPolicy {
  const p: Record<string, number | boolean> = { abiMinor: raw & 0xff, abiMajor: (raw >>> 8) & 0xff };
  for (const [name, bit] of POLICY_FLAGS) p[name] = ((raw >>> bit) & 1) === 1;
  return Object.freeze(p) as unknown as SnpGuestPolicy;
}

/** Encodes a policy; the reserved bit 17 is always set. */
export function encodeGuestPolicy(p: SnpGuestPolicy): number {
  let raw = (p.abiMinor & 0xff) | ((p.abiMajor & 0xff) << 8) | (1 << POLICY_RESERVED_ONE_BIT);
  for (const [name, bit] of POLICY_FLAGS) if (p[name]) raw |= 1 << bit;
  return raw >>> 0;
}

/** PLATFORM_INFO (u64 at 0x40). Unknown bits are kept in `raw` and tolerated (AMD SEV-SNP Firmware ABI #56860, PLATFORM_INFO: Turin sets bit 6). */
export interface SnpPlatformInfo {
  readonly raw: bigint;
  readonly smtEnabled: boolean;
  readonly tsmeEnabled: boolean;
  readonly eccEnabled: boolean;
  readonly raplDisabled: boolean;
  readonly ciphertextHidingDramEnabled: boolean;
  readonly aliasCheckComplete: boolean;
  readonly tioEnabled: boolean;
}

const PLATFORM_FLAGS: readonly (readonly [Exclude<keyof SnpPlatformInfo, "raw">, number])[] = [
  ["smtEnabled", 0],
  ["tsmeEnabled", 1],
  ["eccEnabled", 2],
  ["raplDisabled", 3],
  ["ciphertextHidingDramEnabled", 4],
  ["aliasCheckComplete", 5],
  ["tioEnabled", 7],
];

export function decodePlatformInfo(raw: bigint): SnpPlatformInfo {
  const p: Record<string, bigint | boolean> = { raw };
  for (const [name, bit] of PLATFORM_FLAGS) p[name] = ((raw >> BigInt(bit)) & 1n) === 1n;
  return Object.freeze(p) as unknown as SnpPlatformInfo;
}

export type SnpSigningKeyField = "vcek" | "vlek" | "none";

/** Signer info (u32 at 0x48): bit 0 AUTHOR_KEY_EN, bit 1 MASK_CHIP_KEY, bits 4:2 SIGNING_KEY. */
export interface SnpSignerInfo {
  readonly authorKeyEn: boolean;
  readonly maskChipKey: boolean;
  readonly signingKey: SnpSigningKeyField;
}

const SIGNING_KEY_CODES: Record<SnpSigningKeyField, number> = { vcek: 0, vlek: 1, none: 7 };

/** Returns undefined when bits 31:5 are set or SIGNING_KEY is a reserved value (2..6). */
export function decodeSignerInfo(raw: number): SnpSignerInfo | undefined {
  if (raw >>> 5 !== 0) return undefined;
  const code = (raw >>> 2) & 7;
  const signingKey = code === 0 ? "vcek" : code === 1 ? "vlek" : code === 7 ? "none" : undefined;
  if (signingKey === undefined) return undefined;
  return Object.freeze({ authorKeyEn: (raw & 1) === 1, maskChipKey: (raw & 2) === 2, signingKey });
}

export function encodeSignerInfo(s: SnpSignerInfo): number {
  return (s.authorKeyEn ? 1 : 0) | (s.maskChipKey ? 2 : 0) | (SIGNING_KEY_CODES[s.signingKey] << 2);
}
