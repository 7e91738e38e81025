// IGVM format constants and the parsed shapes of its headers and directives (microsoft/igvm igvm_defs/src/lib.rs).

export const IGVM_MAGIC = 0x4d564749; // "IGVM" little-endian
export const PAGE_SIZE_4K = 0x1000;
export const PAGE_SIZE_2M = 0x20_0000;

/** Variable header types (IGVM_VHT_*). */
export const IgvmHeaderType = {
  SupportedPlatform: 0x001,
  GuestPolicy: 0x101,
  RelocatableRegion: 0x102,
  PageTableRelocationRegion: 0x103,
  ParameterArea: 0x301,
  PageData: 0x302,
  ParameterInsert: 0x303,
  VpContext: 0x304,
  RequiredMemory: 0x305,
  SnpIdBlock: 0x30b,
  ErrorRange: 0x30d,
} as const;

/** Directive types that tell the loader where to write a parameter (area_index u32, byte_offset u32). */
export const PARAMETER_USAGE_TYPES: ReadonlySet<number> = new Set([
  0x307, 0x308, 0x309, 0x30a, 0x30c, 0x30e, 0x30f, 0x310, 0x312, 0x313,
]);

/** Platform types of SUPPORTED_PLATFORM. */
export const IgvmPlatformType = {
  Native: 0,
  VsmIsolation: 1,
  SevSnp: 2,
  Tdx: 3,
  Sev: 4,
  SevEs: 5,
  Cca: 6,
} as const;

/** PAGE_DATA flags and data types. */
export const PageDataFlag = { Is2MbPage: 1, Unmeasured: 2, Shared: 4 } as const;
export const PageDataType = { Normal: 0, Secrets: 1, CpuidData: 2, CpuidXf: 3 } as const;

export interface IgvmPlatform {
  readonly compatMask: number;
  readonly highestVtl: number;
  readonly platformType: number;
  readonly platformVersion: number;
  readonly sharedGpaBoundary: bigint;
}

export interface IgvmGuestPolicy {
  readonly policy: bigint;
  readonly compatMask: number;
}

export type IgvmDirective =
  | {
      readonly kind: "page_data";
      readonly gpa: number;
      readonly compatMask: number;
      readonly flags: number;
      readonly dataType: number;
      /** The file bytes (at most one page; shorter means zero-padded); undefined when file_offset is 0. */
      readonly data: Uint8Array | undefined;
    }
  | {
      readonly kind: "parameter_area";
      readonly areaIndex: number;
      readonly size: number;
      readonly fileOffset: number;
    }
  | {
      readonly kind: "parameter_insert";
      readonly gpa: number;
      readonly compatMask: number;
      readonly areaIndex: number;
    }
  | {
      readonly kind: "vp_context";
      readonly gpa: number;
      readonly compatMask: number;
      readonly vpIndex: number;
      /** Up to 4 KiB of context (an SEV VMSA for SNP); undefined when file_offset is 0. */
      readonly data: Uint8Array | undefined;
    }
  | {
      readonly kind: "snp_id_block";
      readonly compatMask: number;
      readonly authorKeyEnabled: boolean;
      readonly launchDigest: Uint8Array;
      readonly familyId: Uint8Array;
      readonly imageId: Uint8Array;
      readonly version: number;
      readonly guestSvn: number;
    }
  | {
      readonly kind: "parameter_usage";
      readonly type: number;
      readonly areaIndex: number;
      readonly byteOffset: number;
    }
  | { readonly kind: "other"; readonly type: number; readonly content: Uint8Array };

export interface IgvmFile {
  readonly formatVersion: number;
  readonly platforms: readonly IgvmPlatform[];
  readonly guestPolicies: readonly IgvmGuestPolicy[];
  readonly directives: readonly IgvmDirective[];
}
