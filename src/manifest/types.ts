// The manifest model, mirroring the reference JSON field names (spec/contrast-reference.md §2.1).

export type PolicyRole = "coordinator";

export interface PolicyEntry {
  readonly SANs: readonly string[];
  /** Empty or absent ⇒ no workload secret is issued. */
  readonly WorkloadSecretID?: string;
  readonly Role?: PolicyRole;
}

/** Lowercase hex SHA-256 of the initdata document → workload identity. */
export type Policies = Readonly<Record<string, PolicyEntry>>;

export type SnpProductName = "Milan" | "Genoa" | "Turin";

/** SVNs are uint8; null means "to be filled in by the user" (bare metal). */
export interface SnpTcb {
  readonly BootloaderVersion: number | null;
  readonly TEEVersion: number | null;
  readonly SNPVersion: number | null;
  readonly MicrocodeVersion: number | null;
  /** Turin only. */
  readonly FMCVersion?: number | null;
}

export interface SnpGuestPolicy {
  readonly ABIMinor: number;
  readonly ABIMajor: number;
  readonly SMT: boolean;
  readonly MigrateMA: boolean;
  readonly Debug: boolean;
  readonly SingleSocket: boolean;
  readonly CXLAllowed: boolean;
  readonly MemAES256XTS: boolean;
  readonly RAPLDis: boolean;
  readonly CipherTextHidingDRAM: boolean;
  readonly PageSwapDisable: boolean;
}

export interface SnpPlatformInfo {
  readonly SMTEnabled: boolean;
  readonly TSMEEnabled: boolean;
  readonly ECCEnabled: boolean;
  readonly RAPLDisabled: boolean;
  readonly CiphertextHidingDRAMEnabled: boolean;
  readonly AliasCheckComplete: boolean;
  readonly TIOEnabled: boolean;
}

export interface SnpReferenceValue {
  readonly Platform: string;
  readonly ProductName: SnpProductName;
  /** 48-byte launch MEASUREMENT, hex. */
  readonly TrustedMeasurement: string;
  readonly MinimumTCB: SnpTcb;
  readonly GuestPolicy: SnpGuestPolicy;
  readonly PlatformInfo: SnpPlatformInfo;
  readonly MinimumMitigationVector?: number;
  /** 64-byte chip IDs, hex; absent or empty = any chip. */
  readonly AllowedChipIDs?: readonly string[];
  /** 48-byte ID key digests, hex. */
  readonly TrustedIDKeyDigests?: readonly string[];
  /** PEM of the development sim chain's ARK; present only for the simulated platform. */
  readonly SimulatedARK?: string;
  /**
   * Accept a report when no current CRL can be had (KDS unreachable, nothing cached, none in the evidence) instead of
   * refusing it; every use is logged as a warning. A revoked or badly signed chain is refused regardless. Default false.
   */
  readonly AllowMissingCRL?: boolean;
}

/** Intel TCB statuses a verifier may accept (Intel PCS TCB info `tcbStatus`). */
export type TdxTcbStatus =
  | "UpToDate"
  | "SWHardeningNeeded"
  | "ConfigurationNeeded"
  | "ConfigurationAndSWHardeningNeeded"
  | "OutOfDate"
  | "OutOfDateConfigurationNeeded";

export interface TdxReferenceValue {
  readonly Platform: string;
  readonly MinTCBEvaluationDataNumber?: number;
  /** 48 bytes each, hex. */
  readonly MrTd: string;
  readonly MrSeam: string;
  readonly Rtmrs: readonly [string, string, string, string];
  /** 8 bytes, hex. */
  readonly Xfam: string;
  /** 16-byte platform instance IDs, hex. */
  readonly AllowedPIIDs?: readonly string[];
  readonly MemoryIntegrity?: boolean;
  readonly SMTDisabled?: boolean;
  readonly StaticPlatform?: boolean;
  /** Default ["UpToDate"]. */
  readonly AllowedTCBStatuses?: readonly TdxTcbStatus[];
  /** As for SNP: accept a quote when the PCK CRL or the root CA CRL cannot be had (warned). Default false. */
  readonly AllowMissingCRL?: boolean;
}

export interface ReferenceValues {
  readonly snp?: readonly SnpReferenceValue[];
  readonly tdx?: readonly TdxReferenceValue[];
}

export interface Manifest {
  readonly Policies: Policies;
  readonly ReferenceValues: ReferenceValues;
  /** Hex PKIX DER of ECDSA keys allowed to sign updates; empty ⇒ the manifest is final. */
  readonly WorkloadOwnerPubKeys: readonly string[];
  /** Hex PKCS#1 DER of RSA keys that receive seed shares; may not change across updates. */
  readonly SeedshareOwnerPubKeys: readonly string[];
}

export const TDX_TCB_STATUSES: readonly TdxTcbStatus[] = [
  "UpToDate",
  "SWHardeningNeeded",
  "ConfigurationNeeded",
  "ConfigurationAndSWHardeningNeeded",
  "OutOfDate",
  "OutOfDateConfigurationNeeded",
];
