// Typed forms of Intel PCS v4 TDX collateral: TCB info v3 and TD_QE identity v2 (Intel PCS API v4).

/** TCB statuses Intel publishes (Intel PCS API v4 TCB info, evaluated as Intel's QVL does); anything else is rejected at parse time. */
export const TCB_STATUSES = [
  "UpToDate",
  "SWHardeningNeeded",
  "ConfigurationNeeded",
  "ConfigurationAndSWHardeningNeeded",
  "OutOfDate",
  "OutOfDateConfigurationNeeded",
  "Revoked",
] as const;

export type TcbStatus = (typeof TCB_STATUSES)[number];

export interface TdxPlatformTcbLevel {
  /** SGX TCB component SVNs 1..16 (index 0 = component 1). */
  readonly sgxTcbComponents: readonly number[];
  readonly pceSvn: number;
  /** TDX TCB component SVNs, compared with TEE_TCB_SVN bytes 0..15. */
  readonly tdxTcbComponents: readonly number[];
  readonly tcbDate: string;
  readonly tcbStatus: TcbStatus;
  readonly advisoryIds: readonly string[];
}

/** A level keyed by one ISV SVN (TDX module identities, QE identity). */
export interface IsvTcbLevel {
  readonly isvSvn: number;
  readonly tcbDate: string;
  readonly tcbStatus: TcbStatus;
  readonly advisoryIds: readonly string[];
}

export interface TdxModuleIdentity {
  /** `TDX_%02X` of the module major version (TEE_TCB_SVN[1]). */
  readonly id: string;
  readonly mrSigner: Uint8Array;
  readonly attributes: Uint8Array;
  readonly attributesMask: Uint8Array;
  readonly tcbLevels: readonly IsvTcbLevel[];
}

export interface TdxTcbInfo {
  readonly id: "TDX";
  readonly version: 3;
  readonly issueDate: Date;
  readonly nextUpdate: Date;
  /** Lowercase hex, 6 bytes. */
  readonly fmspc: string;
  /** Lowercase hex, 2 bytes. */
  readonly pceId: string;
  readonly tcbType: number;
  readonly tcbEvaluationDataNumber: number;
  readonly tdxModule: {
    readonly mrSigner: Uint8Array;
    readonly attributes: Uint8Array;
    readonly attributesMask: Uint8Array;
  };
  readonly tdxModuleIdentities: readonly TdxModuleIdentity[];
  readonly tcbLevels: readonly TdxPlatformTcbLevel[];
}

export interface TdQeIdentity {
  readonly id: "TD_QE";
  readonly version: 2;
  readonly issueDate: Date;
  readonly nextUpdate: Date;
  readonly tcbEvaluationDataNumber: number;
  /** The hex string read as a number, compared with the QE report's MISCSELECT. */
  readonly miscselect: number;
  readonly miscselectMask: number;
  /** 16 bytes in report byte order. */
  readonly attributes: Uint8Array;
  readonly attributesMask: Uint8Array;
  readonly mrSigner: Uint8Array;
  readonly isvProdId: number;
  readonly tcbLevels: readonly IsvTcbLevel[];
}
