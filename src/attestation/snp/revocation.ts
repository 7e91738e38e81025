// Revocation of a verified AMD chain (AMD VCEK/KDS interface spec #57230, KDS URLs, google/go-sev-guest verify): the CRL of the chain's PKI, fetched through an
// injected source and/or given with the evidence, signed by the chain's ARK; the ASK/ASVK and leaf must not be listed.
//
// Rules: a CRL is used only when the ARK signed it (a bad signature refuses, wherever the CRL came from); a serial
// listed in any authentic CRL is revoked, even when that CRL is past its nextUpdate; revocation counts as checked only
// when at least one authentic CRL is current at `now`. A given CRL is checked in addition to the fetched one, never
// instead of it, so an old CRL cannot hide a newer revocation.

import { type ContrastError, UnavailableError } from "../../common/errors.ts";
import type { SnpSigningKey, TrustAnchor } from "./chain.ts";
import { assertNotListed, type CheckedCrl, checkCrlSignature, isCrlCurrent } from "./crl.ts";
import type { SnpProduct } from "./product.ts";

/** Which PKI a chain ends in: AMD's (an embedded ARK) or an explicitly trusted one (the simulated TEE). */
export type SnpPki = "amd" | "trusted";

/** Where CRLs come from: KDS for AMD's ARKs, a configured server (or nothing) for a simulated ARK. */
export interface SnpCrlSource {
  /** DER CRL the PKI `pki` publishes for `product`/`kind` (`/{kind}/v1/{product}/crl`); UnavailableError otherwise. */
  getCrl(pki: SnpPki, product: SnpProduct, kind: SnpSigningKey): Promise<Uint8Array>;
}

export interface SnpRevocationInput {
  /** Fetches the CRL; absent = nothing to fetch, only `crl` can show the chain is not revoked. */
  readonly source?: SnpCrlSource;
  /** A CRL that came with the evidence or from the user (DER). */
  readonly crl?: Uint8Array;
  /**
   * When no current CRL can be had: false (default) refuses with the reason; true returns an unchecked status and
   * leaves the decision to the caller (the reference values' `AllowMissingCRL`, the CLI's `--allow-missing-crl`).
   */
  readonly allowUnchecked?: boolean;
}

export type SnpRevocationStatus =
  | { readonly checked: true; readonly crls: readonly ("fetched" | "given")[] }
  | { readonly checked: false; readonly error: UnavailableError };

export interface SnpRevocationTarget {
  readonly ark: TrustAnchor;
  readonly intermediateSerial: string;
  readonly leafSerial: string;
  readonly product: SnpProduct;
  readonly kind: SnpSigningKey;
}

/** Checks one CRL's signature against an ARK; the verifier passes a memo so each CRL is verified once. */
export type CrlChecker = (der: Uint8Array, ark: TrustAnchor) => Promise<CheckedCrl>;

export async function checkSnpRevocation(
  target: SnpRevocationTarget,
  input: SnpRevocationInput,
  now: Date,
  checkCrl: CrlChecker = checkCrlSignature,
): Promise<SnpRevocationStatus> {
  const candidates: { origin: "fetched" | "given"; der: Uint8Array }[] = [];
  let fetchError: ContrastError | undefined;
  if (input.source !== undefined) {
    try {
      const der = await input.source.getCrl(target.ark.source, target.product, target.kind);
      candidates.push({ origin: "fetched", der });
    } catch (e) {
      if (!(e instanceof UnavailableError)) throw e;
      fetchError = e;
    }
  }
  if (input.crl !== undefined) candidates.push({ origin: "given", der: input.crl });
  const current: ("fetched" | "given")[] = [];
  const stale: string[] = [];
  for (const c of candidates) {
    const crl = await checkCrl(c.der, target.ark);
    assertNotListed(crl, target.intermediateSerial, target.kind === "vcek" ? "ask" : "asvk");
    assertNotListed(crl, target.leafSerial, target.kind);
    if (isCrlCurrent(crl, now)) current.push(c.origin);
    else stale.push(`the ${c.origin} crl is not current (${describeWindow(crl)})`);
  }
  if (current.length > 0) return Object.freeze({ checked: true, crls: current });
  const error = missingCrl(target, input, fetchError, stale, now);
  if (input.allowUnchecked === true) return Object.freeze({ checked: false, error });
  throw error;
}

function missingCrl(
  t: SnpRevocationTarget,
  input: SnpRevocationInput,
  fetchError: ContrastError | undefined,
  stale: string[],
  now: Date,
): UnavailableError {
  const reasons: string[] = [];
  if (input.source === undefined) {
    reasons.push(`no crl source is configured for the ${t.ark.source === "amd" ? "amd" : "simulated"} ark`);
  }
  if (fetchError !== undefined) reasons.push(fetchError.message);
  if (input.crl === undefined) reasons.push("no crl came with the evidence");
  reasons.push(...stale);
  return new UnavailableError(
    "snp_crl_unavailable",
    `crl: expected a current ${t.kind} crl of ${t.product} signed by the ark at ${now.toISOString()}, got none: ${reasons.join("; ")}`,
    { field: "crl", ...(fetchError ? { cause: fetchError } : {}) },
  );
}

function describeWindow(crl: CheckedCrl): string {
  const next = crl.nextUpdate ? crl.nextUpdate.toISOString() : "none";
  return `this update ${crl.thisUpdate.toISOString()}, next update ${next}`;
}
