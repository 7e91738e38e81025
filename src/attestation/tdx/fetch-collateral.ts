// Verifies a TDX quote with the collateral it needs (google/go-tdx-guest verify, as Intel's QVL, Intel PCS API v4): TCB info for its FMSPC and the TD QE identity
// (from PCS or given), and both CRLs — the PCK CRL of its PCK CA and the Intel SGX Root CA CRL — given or else
// fetched from PCS (cached until nextUpdate). Revocation is always attempted; when a CRL cannot be had the result says
// so and the caller decides (reference values' AllowMissingCRL, `--allow-missing-crl`), nothing is silently skipped.

import { X509Crl } from "@peculiar/x509";
import { UnavailableError } from "../../common/errors.ts";
import { formatFmspc } from "./pck-extension.ts";
import type { PcsClient } from "./pcs.ts";
import type { TdxCollateralInput, TdxVerifier, VerifiedTdxQuote } from "./verify.ts";

export type TdxRevocationStatus =
  | { readonly checked: true }
  | { readonly checked: false; readonly error: UnavailableError };

export interface TdxVerifyWithCollateralInput {
  readonly quote: Uint8Array;
  readonly now: Date;
  /** Fetches what is not given; absent = offline. */
  readonly pcs?: PcsClient;
  /** TCB info and QE identity: given, fetched from PCS (`pcs`), or not used (`none`: TCB status null). */
  readonly collateral: TdxCollateralInput | "pcs" | "none";
  /** CRLs given by the user (DER): used instead of fetching them. */
  readonly pckCrl?: Uint8Array;
  readonly rootCrl?: Uint8Array;
}

export interface TdxVerifiedWithCollateral {
  readonly verified: VerifiedTdxQuote;
  readonly revocation: TdxRevocationStatus;
}

export async function verifyTdxWithCollateral(
  verifier: TdxVerifier,
  input: TdxVerifyWithCollateralInput,
): Promise<TdxVerifiedWithCollateral> {
  const { now, pcs } = input;
  const given = {
    ...(input.pckCrl ? { pckCrl: input.pckCrl } : {}),
    ...(input.rootCrl ? { rootCrl: input.rootCrl } : {}),
  };
  // Signatures and chain first: they also name the FMSPC and the PCK CA whose collateral is needed.
  const bare = await verifier.verify({ quote: input.quote, now, ...given });
  const needCollateral = input.collateral === "pcs";
  if (needCollateral && pcs === undefined) {
    throw new UnavailableError(
      "tdx_collateral_unavailable",
      "collateral: expected a pcs to fetch from, got none",
    );
  }
  const [collateral, pckCrl, rootCrl] = await Promise.all([
    needCollateral ? fetchTcbCollateral(pcs!, bare) : undefined,
    input.pckCrl ?? fetchCrl(pcs, now, "pck crl", (p) => p.getPckCrl(bare.pck.ca).then((r) => r.crl)),
    input.rootCrl ?? fetchCrl(pcs, now, "root ca crl", (p) => p.getRootCaCrl()),
  ]);
  const tcb =
    input.collateral === "pcs" ? collateral : input.collateral === "none" ? undefined : input.collateral;
  const crls = {
    ...(pckCrl instanceof Uint8Array ? { pckCrl } : {}),
    ...(rootCrl instanceof Uint8Array ? { rootCrl } : {}),
  };
  const verified = await verifier.verify({
    quote: input.quote,
    now,
    ...crls,
    ...(tcb ? { collateral: tcb } : {}),
  });
  const missing = [pckCrl, rootCrl].filter((c): c is UnavailableError => c instanceof UnavailableError);
  if (missing.length === 0) return { verified, revocation: { checked: true } };
  const error = new UnavailableError(
    "tdx_crl_unavailable",
    `crl: expected the pck crl and the root ca crl current at ${now.toISOString()}, got none: ${missing.map((e) => e.message).join("; ")}`,
    { field: "crl" },
  );
  return { verified, revocation: { checked: false, error } };
}

async function fetchTcbCollateral(pcs: PcsClient, bare: VerifiedTdxQuote): Promise<TdxCollateralInput> {
  const [tcb, qe] = await Promise.all([
    pcs.getTdxTcbInfo(formatFmspc(bare.pck.extension)),
    pcs.getTdxQeIdentity(),
  ]);
  return {
    tcbInfo: tcb.body,
    qeIdentity: qe.body,
    issuerChain: tcb.issuerChain,
    qeIdentityIssuerChain: qe.issuerChain,
  };
}

/**
 * A CRL from PCS, or the reason it cannot be used: PCS unreachable with nothing cached, or only a CRL that is not
 * current (the cache serves a stale one while PCS is down). The verifier checks signature and issuer.
 */
async function fetchCrl(
  pcs: PcsClient | undefined,
  now: Date,
  what: string,
  get: (pcs: PcsClient) => Promise<Uint8Array>,
): Promise<Uint8Array | UnavailableError> {
  if (pcs === undefined) return new UnavailableError("tdx_crl_unavailable", `${what}: no pcs is configured`);
  let der: Uint8Array;
  try {
    der = await get(pcs);
  } catch (e) {
    if (e instanceof UnavailableError) return e;
    throw e;
  }
  const crl = new X509Crl(der);
  const next = crl.nextUpdate;
  if (next === undefined || now > next || now < crl.thisUpdate) {
    const window = `${crl.thisUpdate.toISOString()} … ${next?.toISOString() ?? "none"}`;
    return new UnavailableError(
      "tdx_crl_unavailable",
      `${what}: the one from pcs is not current (${window})`,
    );
  }
  return der;
}
