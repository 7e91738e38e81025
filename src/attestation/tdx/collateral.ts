// Verifies PCS v4 TDX collateral (TCB info, TD QE identity): ECDSA P-256 over the exact JSON value bytes,
// TCB-signing chain to the pinned Intel root, validity at `now`, root CRL (Intel PCS API v4).

import { fromHex } from "../../common/bytes.ts";
import { ParseError, VerificationError } from "../../common/errors.ts";
import { readTdQeIdentity, readTdxTcbInfo } from "./collateral-schema.ts";
import type { TdQeIdentity, TdxTcbInfo } from "./collateral-types.ts";
import { assertNotRevoked, type VerifiedCrl } from "./crl.ts";
import { verifyP256 } from "./ecdsa.ts";
import {
  checkValidity,
  type IntelCert,
  loadIntelRoot,
  parseIntelCertChain,
  verifyIntelChain,
} from "./intel-cert.ts";
import { findTopLevelMembers } from "./json-span.ts";

const TCB_SIGNING_NAMES = [["Intel SGX TCB Signing"], ["Intel SGX Root CA"]] as const;
/** PCS collateral bodies are a few KB; anything far larger is not collateral. */
const MAX_BODY = 1 << 20;

declare const verifiedCollateral: unique symbol;

/** Collateral whose signature and signing chain were checked; `checkCollateralTime` re-checks time per use. */
export interface VerifiedTdxTcbInfo {
  readonly tcbInfo: TdxTcbInfo;
  readonly signingChain: readonly IntelCert[];
  readonly [verifiedCollateral]: "tcbInfo";
}

export interface VerifiedTdQeIdentity {
  readonly qeIdentity: TdQeIdentity;
  readonly signingChain: readonly IntelCert[];
  readonly [verifiedCollateral]: "qeIdentity";
}

export interface CollateralTimeOptions {
  readonly now: Date;
  /** Root CA CRL already verified against the pinned root (see `TdxVerifier.verifyRootCrl`). */
  readonly rootCrl?: VerifiedCrl;
}

/** Signature and chain checks for one collateral body whose signed member is `member`. */
async function authenticate(
  body: Uint8Array,
  issuerChain: string,
  member: string,
): Promise<{ value: unknown; chain: IntelCert[] }> {
  const field = member;
  if (!(body instanceof Uint8Array) || body.length > MAX_BODY) {
    throw new ParseError("tdx_bad_collateral", `${field}: expected at most ${MAX_BODY} bytes of JSON`, {
      field,
    });
  }
  const spans = findTopLevelMembers(body, field);
  const valueSpan = spans.get(member);
  const sigSpan = spans.get("signature");
  if (valueSpan === undefined || sigSpan === undefined || spans.size !== 2) {
    throw new ParseError(
      "tdx_bad_collateral",
      `${field}: expected exactly the members "${member}" and "signature"`,
      { field },
    );
  }
  const sigHex = JSON.parse(new TextDecoder().decode(body.subarray(sigSpan.start, sigSpan.end))) as unknown;
  if (typeof sigHex !== "string" || sigHex.length !== 128) {
    throw new ParseError("tdx_bad_collateral", `${field}.signature: expected 64 bytes of hex`, { field });
  }
  const signature = fromHex(sigHex, `${field}.signature`);
  const chain = await parseIntelCertChain(issuerChain, `${field}.issuerChain`, 2);
  await verifyIntelChain(chain, TCB_SIGNING_NAMES, await loadIntelRoot(), `${field}.issuerChain`);
  const signed = body.subarray(valueSpan.start, valueSpan.end);
  if (!(await verifyP256(chain[0]!.key, signature, signed))) {
    throw new VerificationError(
      "tdx_bad_collateral_signature",
      `${field}: signature by the TCB signing key invalid`,
      { field },
    );
  }
  return { value: JSON.parse(new TextDecoder().decode(signed)), chain };
}

/** Authenticates a TCB info body; time is not checked here (the result may be cached). */
export async function authenticateTdxTcbInfo(
  body: Uint8Array,
  issuerChain: string,
): Promise<VerifiedTdxTcbInfo> {
  const { value, chain } = await authenticate(body, issuerChain, "tcbInfo");
  return { tcbInfo: readTdxTcbInfo(value), signingChain: chain } as unknown as VerifiedTdxTcbInfo;
}

/** Authenticates a TD QE identity body; time is not checked here (the result may be cached). */
export async function authenticateTdQeIdentity(
  body: Uint8Array,
  issuerChain: string,
): Promise<VerifiedTdQeIdentity> {
  const { value, chain } = await authenticate(body, issuerChain, "enclaveIdentity");
  return { qeIdentity: readTdQeIdentity(value), signingChain: chain } as unknown as VerifiedTdQeIdentity;
}

/** Signing chain valid at `now`, signing cert not revoked, issueDate ≤ now ≤ nextUpdate. */
export function checkCollateralTime(
  v: VerifiedTdxTcbInfo | VerifiedTdQeIdentity,
  opts: CollateralTimeOptions,
): void {
  const [field, doc] = "tcbInfo" in v ? ["tcbInfo", v.tcbInfo] : ["enclaveIdentity", v.qeIdentity];
  checkValidity(v.signingChain, opts.now, `${field}.issuerChain`);
  if (opts.rootCrl !== undefined) assertNotRevoked(opts.rootCrl, v.signingChain[0]!, opts.now, "rootCrl");
  if (opts.now < doc.issueDate || opts.now > doc.nextUpdate) {
    throw new VerificationError(
      "tdx_collateral_expired",
      `${field}: expected issueDate ${doc.issueDate.toISOString()} … nextUpdate ${doc.nextUpdate.toISOString()} to include ${opts.now.toISOString()}`,
      { field },
    );
  }
}

/** Full check of a TCB info body (Intel PCS API v4): signature, chain, validity and nextUpdate at `now`. */
export async function verifyTdxTcbInfo(
  body: Uint8Array,
  issuerChain: string,
  opts: CollateralTimeOptions,
): Promise<VerifiedTdxTcbInfo> {
  const v = await authenticateTdxTcbInfo(body, issuerChain);
  checkCollateralTime(v, opts);
  return v;
}

/** Full check of a TD QE identity body (Intel PCS API v4). */
export async function verifyTdQeIdentity(
  body: Uint8Array,
  issuerChain: string,
  opts: CollateralTimeOptions,
): Promise<VerifiedTdQeIdentity> {
  const v = await authenticateTdQeIdentity(body, issuerChain);
  checkCollateralTime(v, opts);
  return v;
}
