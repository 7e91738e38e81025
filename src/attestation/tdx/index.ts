// Public surface of the TDX attestation core: parse (abi) → verify (signatures, chain, CRLs, collateral) → validate.

export { MAX_QUOTE_SIZE, parseTdxQuote } from "./abi.ts";
export {
  authenticateTdQeIdentity,
  authenticateTdxTcbInfo,
  type CollateralTimeOptions,
  checkCollateralTime,
  type VerifiedTdQeIdentity,
  type VerifiedTdxTcbInfo,
  verifyTdQeIdentity,
  verifyTdxTcbInfo,
} from "./collateral.ts";
export type {
  IsvTcbLevel,
  TcbStatus,
  TdQeIdentity,
  TdxModuleIdentity,
  TdxPlatformTcbLevel,
  TdxTcbInfo,
} from "./collateral-types.ts";
export { TCB_STATUSES } from "./collateral-types.ts";
export type { VerifiedCrl } from "./crl.ts";
export { INTEL_SGX_ROOT_CA_PEM, INTEL_SGX_ROOT_CA_SHA256 } from "./intel-root-ca.ts";
export type { PckCaKind } from "./pck-chain.ts";
export {
  type PckConfiguration,
  type PckExtension,
  type PckTcb,
  parsePckExtension,
  type SgxType,
} from "./pck-extension.ts";
export type { SgxQeReport, TdxQuote, TdxQuoteHeader, TdxTdReportBody } from "./quote-types.ts";
export {
  combineTcbStatus,
  evaluateTdxTcbStatus,
  TCB_STATUS_SEVERITY,
  type TcbEvaluationInput,
  type TdxTcbStatus,
} from "./tcb-status.ts";
export { assertTdxQuote, type TdxU64, type TdxValidateOptions, validateTdxQuote } from "./validate.ts";
export {
  type PckInfo,
  type TdxCollateralInput,
  TdxVerifier,
  type TdxVerifyInput,
  type VerifiedTdxQuote,
} from "./verify.ts";
