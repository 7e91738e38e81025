// Options for validating a verified SNP report against reference values (google/go-sev-guest validate, edgelesssys/contrast internal/attestation/snp).

import { ConfigError } from "../../common/errors.ts";
import type { SnpSigningKey } from "./chain.ts";
import type { SnpProduct } from "./product.ts";
import type { SnpTcb } from "./tcb.ts";

/**
 * Guest policy limits. `allow*` bits may be set in the report only when allowed; `require*` bits must be set
 * when required. Defaults: debug, migration agent and CXL forbidden; SMT allowed; nothing required.
 */
export interface SnpGuestPolicyOptions {
  readonly allowDebug?: boolean;
  readonly allowMigrateMa?: boolean;
  readonly allowSmt?: boolean;
  readonly allowCxl?: boolean;
  readonly requireSingleSocket?: boolean;
  readonly requireMemAes256Xts?: boolean;
  readonly requireRaplDis?: boolean;
  readonly requireCiphertextHidingDram?: boolean;
  readonly requirePageSwapDisable?: boolean;
  /** The report's policy ABI major.minor must be at least this. */
  readonly minimumAbiMajor?: number;
  readonly minimumAbiMinor?: number;
}

/** PLATFORM_INFO limits: `allow*` features may be on only when allowed (default allowed); `require*` must be on. */
export interface SnpPlatformInfoOptions {
  readonly allowSmt?: boolean;
  readonly allowTsme?: boolean;
  readonly allowTio?: boolean;
  readonly requireEcc?: boolean;
  readonly requireRaplDisabled?: boolean;
  readonly requireCiphertextHidingDram?: boolean;
  readonly requireAliasCheckComplete?: boolean;
}

export interface SnpValidateOptions {
  readonly product?: SnpProduct;
  /** Allowed signing keys (default both). */
  readonly allowedSigningKeys?: readonly SnpSigningKey[];
  readonly measurement?: Uint8Array;
  readonly hostData?: Uint8Array;
  /** HOST_DATA must be one of these (e.g. the manifest's policy digests). */
  readonly allowedHostData?: readonly Uint8Array[];
  readonly reportData?: Uint8Array;
  readonly familyId?: Uint8Array;
  readonly imageId?: Uint8Array;
  readonly reportId?: Uint8Array;
  readonly reportIdMa?: Uint8Array;
  readonly minimumGuestSvn?: number;
  /** Checked against REPORTED, COMMITTED, LAUNCH and CURRENT TCB, per component (fmc on Turin). */
  readonly minimumTcb?: Partial<SnpTcb>;
  readonly guestPolicy?: SnpGuestPolicyOptions;
  /** Required VMPL (default 0). */
  readonly vmpl?: number;
  readonly platformInfo?: SnpPlatformInfoOptions;
  /** CHIP_ID must be one of these (64 bytes each) when non-empty. */
  readonly allowedChipIds?: readonly Uint8Array[];
  /** Require an ID block (non-zero ID_KEY_DIGEST). Implied by a non-empty `trustedIdKeyDigests`. */
  readonly requireIdBlock?: boolean;
  /** ID_KEY_DIGEST (SHA-384 of the AMD-format ID key) must be one of these when non-empty. */
  readonly trustedIdKeyDigests?: readonly Uint8Array[];
  /** AUTHOR_KEY_EN must be set and AUTHOR_KEY_DIGEST one of these when non-empty. */
  readonly trustedAuthorKeyDigests?: readonly Uint8Array[];
  /** v5 reports: every bit set here must be set in LAUNCH_MIT_VECTOR. */
  readonly minimumLaunchMitigationVector?: bigint;
  /** v5 reports: every bit set here must be set in CURRENT_MIT_VECTOR. */
  readonly minimumCurrentMitigationVector?: bigint;
  /** Minimum CURRENT_BUILD of the running firmware. */
  readonly minimumBuild?: number;
  /** Minimum CURRENT_MAJOR.CURRENT_MINOR of the running firmware. */
  readonly minimumVersion?: { readonly major: number; readonly minor: number };
  /**
   * true (default, as Contrast does): COMMITTED ≤ CURRENT (TCB and firmware version), i.e. a provisional firmware
   * update may be running; false: COMMITTED must equal CURRENT.
   */
  readonly permitProvisionalFirmware?: boolean;
}

const BYTE_FIELDS: readonly (readonly [keyof SnpValidateOptions, number])[] = [
  ["measurement", 48],
  ["hostData", 32],
  ["reportData", 64],
  ["familyId", 16],
  ["imageId", 16],
  ["reportId", 32],
  ["reportIdMa", 32],
];

const BYTE_LISTS: readonly (readonly [keyof SnpValidateOptions, number])[] = [
  ["allowedHostData", 32],
  ["allowedChipIds", 64],
  ["trustedIdKeyDigests", 48],
  ["trustedAuthorKeyDigests", 48],
];

function bad(field: string, message: string): never {
  throw new ConfigError("snp_validate_options", `${field}: ${message}`, { field });
}

/** Rejects options whose byte values have the wrong length: a caller bug, never a report mismatch. */
export function checkValidateOptions(opts: SnpValidateOptions): void {
  for (const [name, len] of BYTE_FIELDS) {
    const v = opts[name];
    if (v !== undefined && (!(v instanceof Uint8Array) || v.length !== len)) {
      bad(name, `expected ${len} bytes, got ${v instanceof Uint8Array ? `${v.length} bytes` : typeof v}`);
    }
  }
  for (const [name, len] of BYTE_LISTS) {
    const list = opts[name] as readonly Uint8Array[] | undefined;
    list?.forEach((v, i) => {
      if (!(v instanceof Uint8Array) || v.length !== len) bad(`${name}[${i}]`, `expected ${len} bytes`);
    });
  }
  if (opts.vmpl !== undefined && !(Number.isInteger(opts.vmpl) && opts.vmpl >= 0 && opts.vmpl <= 3)) {
    bad("vmpl", `expected 0..3, got ${String(opts.vmpl)}`);
  }
}
