// `contrast attestation verify --tdx-quote`: parse → verify (signatures, PCK chain, CRLs, collateral from files or
// Intel PCS) → TCB status → validate against any matching reference value (spec attestation.md §2.2–§2.6).

import { createHash } from "node:crypto";
import { createCollateralCache } from "../attestation/collateral-cache.ts";
import { parseTdxQuote } from "../attestation/tdx/abi.ts";
import { type FetchedTdxCollateral, fetchTdxCollateral } from "../attestation/tdx/fetch-collateral.ts";
import { parseIntelCert } from "../attestation/tdx/intel-cert.ts";
import { formatFmspc, parsePckExtension, SGX_EXTENSION_OID } from "../attestation/tdx/pck-extension.ts";
import { createPcsClient } from "../attestation/tdx/pcs.ts";
import { splitPemCertificates } from "../attestation/tdx/pem.ts";
import type { TdxQuote } from "../attestation/tdx/quote-types.ts";
import { validateTdxQuote } from "../attestation/tdx/validate.ts";
import { type TdxCollateralInput, TdxVerifier, type VerifiedTdxQuote } from "../attestation/tdx/verify.ts";
import { PolicyError } from "../common/errors.ts";
import { tdxOptionsFor } from "../manifest/reference-options.ts";
import type { ReferenceValues, TdxReferenceValue } from "../manifest/types.ts";
import { readInputFile, readInputText } from "./attestation-input.ts";
import type { SummarySink } from "./attestation-snp.ts";
import { type Summary, summarizeTdx } from "./attestation-summary.ts";

/** Where TCB info and QE identity come from: nowhere (`--no-collateral`), files, or Intel PCS. */
export type TdxCollateralSource =
  | { readonly kind: "none" }
  | {
      readonly kind: "files";
      readonly tcbInfoPath: string;
      readonly qeIdentityPath: string;
      readonly signingChainPath: string;
    }
  | {
      readonly kind: "pcs";
      /** `CONTRAST_PCS_URL`: replaces both the PCS API and the certificates base URL (tests, mirrors). */
      readonly baseUrl?: string;
      readonly cacheDir: string;
    };

export interface TdxVerifyRequest {
  readonly quotePath: string;
  readonly collateral: TdxCollateralSource;
  readonly pckCrlPath?: string;
  readonly rootCrlPath?: string;
  readonly now: Date;
  readonly referenceValues?: ReferenceValues;
}

/** Verifies one TDX quote file; returns the summary or throws the first authenticity or policy failure. */
export async function verifyTdxFiles(req: TdxVerifyRequest, sink: SummarySink): Promise<Summary> {
  const quoteBytes = readInputFile(req.quotePath, "--tdx-quote");
  const pckCrl = req.pckCrlPath === undefined ? undefined : readInputFile(req.pckCrlPath, "--pck-crl");
  const rootCrl = req.rootCrlPath === undefined ? undefined : readInputFile(req.rootCrlPath, "--root-crl");
  const files = req.collateral.kind === "files" ? readCollateralFiles(req.collateral) : undefined;
  const quote = parseTdxQuote(quoteBytes);
  sink.summary = summarizeTdx({ quote, fmspc: await readUnverifiedFmspc(quote), tcbStatus: null });
  const verifier = new TdxVerifier();
  const base = { quote: quoteBytes, now: req.now };
  const crls = { ...(pckCrl ? { pckCrl } : {}), ...(rootCrl ? { rootCrl } : {}) };
  let verified: VerifiedTdxQuote;
  if (req.collateral.kind === "pcs") {
    // Signatures and chain first: they also name the FMSPC and the PCK CA whose collateral is needed.
    const bare = await verifier.verify({ ...base, ...crls });
    const fetched = await fetchPcsCollateral(req.collateral, bare, { pckCrl, rootCrl });
    verified = await verifier.verify({ ...base, ...fetched });
  } else {
    verified = await verifier.verify({ ...base, ...crls, ...(files ? { collateral: files } : {}) });
  }
  const summary: Summary = {
    ...summarizeTdx({
      quote: verified.quote,
      fmspc: formatFmspc(verified.pck.extension),
      tcbStatus: verified.tcbStatus,
    }),
    pck: { ca: verified.pck.ca, serial: verified.pck.serial },
    pckRootSha256: rootSha256(verified.quote),
  };
  sink.summary = summary;
  const requireTcbStatus = req.collateral.kind !== "none";
  if (req.referenceValues === undefined) checkDefaultTcbStatus(verified);
  else summary.matchedReferenceValue = matchTdx(verified, req.referenceValues.tdx ?? [], requireTcbStatus);
  return summary;
}

function readCollateralFiles(c: Extract<TdxCollateralSource, { kind: "files" }>): TdxCollateralInput {
  return {
    tcbInfo: readInputFile(c.tcbInfoPath, "--tcb-info"),
    qeIdentity: readInputFile(c.qeIdentityPath, "--qe-identity"),
    issuerChain: readInputText(c.signingChainPath, "--tcb-signing-chain"),
  };
}

/** PCS v4: TCB info for the FMSPC, TD QE identity, and the CRLs not given as files (UnavailableError → exit 6). */
async function fetchPcsCollateral(
  src: Extract<TdxCollateralSource, { kind: "pcs" }>,
  bare: VerifiedTdxQuote,
  given: { pckCrl: Uint8Array | undefined; rootCrl: Uint8Array | undefined },
): Promise<FetchedTdxCollateral> {
  const urls = src.baseUrl === undefined ? {} : { baseUrl: src.baseUrl, certsBaseUrl: src.baseUrl };
  return fetchTdxCollateral(
    createPcsClient({ ...urls, cache: createCollateralCache(src.cacheDir) }),
    bare,
    given,
  );
}

/** Without reference values the Intel default applies (issue A §3): only UpToDate is acceptable. */
function checkDefaultTcbStatus(v: VerifiedTdxQuote): void {
  const s = v.tcbStatus;
  if (s === null || s.combined === "UpToDate") return;
  const m = `tcbStatus: expected UpToDate, got ${s.combined}`;
  throw new PolicyError("tdx_tcb_status_not_accepted", m, [m], { field: "tcbStatus" });
}

/** Reference §2.1: any tdx entry may match; otherwise every mismatch of every entry is reported. */
function matchTdx(
  v: VerifiedTdxQuote,
  entries: readonly TdxReferenceValue[],
  requireTcbStatus: boolean,
): string {
  if (entries.length === 0) {
    throw new PolicyError(
      "no_reference_values",
      "reference values: expected at least one tdx entry for a tdx quote, got none",
    );
  }
  const problems: string[] = [];
  for (const [i, rv] of entries.entries()) {
    const mismatches = validateTdxQuote(v, { ...tdxOptionsFor(rv), requireTcbStatus });
    if (mismatches.length === 0) return `tdx[${i}]`;
    problems.push(...mismatches.map((m) => `tdx[${i}]: ${m}`));
  }
  throw new PolicyError(
    "reference_values_mismatch",
    `no tdx reference value matched: ${problems.join("; ")}`,
    problems,
  );
}

/** FMSPC of the (not yet verified) PCK leaf, shown when verification fails; null when unreadable. */
async function readUnverifiedFmspc(quote: TdxQuote): Promise<string | null> {
  try {
    const [leafDer] = splitPemCertificates(quote.pckChainPem, "pckChain");
    if (leafDer === undefined) return null;
    const leaf = await parseIntelCert(leafDer, "pckChain[0]");
    const ext = leaf.cert.extensions.find((e) => e.type === SGX_EXTENSION_OID);
    return ext === undefined ? null : formatFmspc(parsePckExtension(new Uint8Array(ext.value)));
  } catch {
    return null; // display only: the verifier reports why the chain is unusable
  }
}

/** SHA-256 of the root certificate the quote carries (verified to be the pinned Intel SGX Root CA). */
function rootSha256(quote: TdxQuote): string {
  const ders = splitPemCertificates(quote.pckChainPem, "pckChain");
  return createHash("sha256")
    .update(ders[ders.length - 1]!)
    .digest("hex");
}
