// Typed, read-only view of an Intel TDX quote (v4/v5) and the constants of its layout (Intel TDX DCAP Quoting Library API, quote v4/v5).

/** TD 1.0 body size, TD 1.5 body size, SGX QE report size (Intel TDX DCAP Quoting Library API, quote v4/v5). */
export const TD10_BODY_SIZE = 584;
export const TD15_BODY_SIZE = 648;
export const QE_REPORT_SIZE = 384;
export const ECDSA_SIG_SIZE = 64;
export const ECDSA_KEY_SIZE = 64;

export const ATTESTATION_KEY_TYPE_ECDSA_P256 = 2;
export const TEE_TYPE_TDX = 0x81;
/** Outer certification data: QE report certification data; inner: PCK cert chain (PEM). */
export const CERT_DATA_QE_REPORT = 6;
export const CERT_DATA_PCK_CHAIN = 5;
/** v5 body descriptor types: 2 = TDX 1.0 body, 3 = TDX 1.5 body. */
export const BODY_TYPE_TD10 = 2;
export const BODY_TYPE_TD15 = 3;

/** Intel's quoting enclave vendor ID (939a7233-f79c-4ca9-940a-0db3957f0607). */
export const INTEL_QE_VENDOR_ID = "939a7233f79c4ca9940a0db3957f0607";

export interface TdxQuoteHeader {
  readonly version: 4 | 5;
  readonly attestationKeyType: number;
  readonly teeType: number;
  /** Bytes 0x08..0x0C: reserved in quote v4/v5 (QE/PCE SVN in older SGX quotes); not interpreted. */
  readonly reserved: Uint8Array;
  readonly qeVendorId: Uint8Array;
  readonly userData: Uint8Array;
}

/** TD quote body (TDREPORT fields the quote carries), Intel TDX DCAP Quoting Library API, quote v4/v5 table "TD quote body". */
export interface TdxTdReportBody {
  /** 2 = TDX 1.0 body (v4 quotes are always 2), 3 = TDX 1.5 body. */
  readonly bodyType: 2 | 3;
  readonly teeTcbSvn: Uint8Array;
  readonly mrSeam: Uint8Array;
  readonly mrSignerSeam: Uint8Array;
  /** SEAMATTRIBUTES as the little-endian u64 of the quote. */
  readonly seamAttributes: bigint;
  /** TDATTRIBUTES as the little-endian u64 of the quote (bit 0 = DEBUG). */
  readonly tdAttributes: bigint;
  /** XFAM as the little-endian u64 of the quote. */
  readonly xfam: bigint;
  readonly mrTd: Uint8Array;
  readonly mrConfigId: Uint8Array;
  readonly mrOwner: Uint8Array;
  readonly mrOwnerConfig: Uint8Array;
  readonly rtmrs: readonly [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
  readonly reportData: Uint8Array;
  /** TDX 1.5 body only. */
  readonly teeTcbSvn2?: Uint8Array;
  /** TDX 1.5 body only. */
  readonly mrServiceTd?: Uint8Array;
}

/** SGX REPORT body of the quoting enclave (384 bytes), Intel TDX DCAP Quoting Library API, quote v4/v5 "QE report". */
export interface SgxQeReport {
  readonly cpuSvn: Uint8Array;
  readonly miscSelect: number;
  readonly attributes: Uint8Array;
  readonly mrEnclave: Uint8Array;
  readonly mrSigner: Uint8Array;
  readonly isvProdId: number;
  readonly isvSvn: number;
  readonly reportData: Uint8Array;
  /** The exact 384 bytes signed by the PCK key. */
  readonly raw: Uint8Array;
}

export interface TdxQuote {
  readonly header: TdxQuoteHeader;
  readonly body: TdxTdReportBody;
  /** Exact bytes covered by the quote signature: header (+ v5 body descriptor) + body. */
  readonly signedBytes: Uint8Array;
  /** Quote signature r‖s, big-endian (IEEE P1363). */
  readonly signature: Uint8Array;
  /** Attestation public key x‖y, big-endian. */
  readonly attestationKey: Uint8Array;
  readonly qeReport: SgxQeReport;
  readonly qeReportSignature: Uint8Array;
  readonly qeAuthData: Uint8Array;
  /** PEM text of the PCK chain (leaf, intermediate, root) with any trailing NUL removed. */
  readonly pckChainPem: string;
  /** The quote bytes up to the end of the declared signature data (trailing padding dropped). */
  readonly raw: Uint8Array;
}
