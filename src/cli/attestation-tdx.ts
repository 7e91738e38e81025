// `contrast attestation verify --tdx-quote`: parse → verify (signatures, PCK chain, CRLs given or from Intel PCS,
// collateral from files or PCS) → TCB status → the shared trust rule (google/go-tdx-guest verify, as Intel's QVL; edgelesssys/contrast internal/attestation/tdx).

import { parseTdxQuote } from "../attestation/tdx/abi.ts";
import { verifyTdxWithCollateral } from "../attestation/tdx/fetch-collateral.ts";
import { parseIntelCert } from "../attestation/tdx/intel-cert.ts";
import { formatFmspc, parsePckExtension, SGX_EXTENSION_OID } from "../attestation/tdx/pck-extension.ts";
import type { PcsClient } from "../attestation/tdx/pcs.ts";
import { splitPemCertificates } from "../attestation/tdx/pem.ts";
import type { TdxQuote } from "../attestation/tdx/quote-types.ts";
import { type TdxCollateralInput, TdxVerifier, type VerifiedTdxQuote } from "../attestation/tdx/verify.ts";
import { sha256Hex } from "../common/digest.ts";
import { PolicyError } from "../common/errors.ts";
import { matchTdxReferenceValues } from "../manifest/match-reference-values.ts";
import type { ReferenceValues } from "../manifest/schema.ts";
import { readInputFile, readInputText } from "./attestation-input.ts";
import { revocationJson, type SummarySink } from "./attestation-snp.ts";
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
  | { readonly kind: "pcs" };

export interface TdxVerifyRequest {
  readonly quotePath: string;
  readonly collateral: TdxCollateralSource;
  readonly pckCrlPath?: string;
  readonly rootCrlPath?: string;
  readonly now: Date;
  readonly referenceValues?: ReferenceValues;
  /** Intel PCS (`CONTRAST_PCS_URL` overrides it): collateral for `pcs`, and the CRLs not given, whatever the source. */
  readonly pcs: PcsClient;
  /** `--allow-missing-crl`: accept without the PCK CRL or the root CA CRL (warned). */
  readonly allowMissingCrl: boolean;
}

/** Verifies one TDX quote file; returns the summary or throws the first authenticity or policy failure. */
export async function verifyTdxFiles(req: TdxVerifyRequest, sink: SummarySink): Promise<Summary> {
  const quoteBytes = readInputFile(req.quotePath, "--tdx-quote");
  const pckCrl = req.pckCrlPath === undefined ? undefined : readInputFile(req.pckCrlPath, "--pck-crl");
  const rootCrl = req.rootCrlPath === undefined ? undefined : readInputFile(req.rootCrlPath, "--root-crl");
  const files = req.collateral.kind === "files" ? readCollateralFiles(req.collateral) : undefined;
  const quote = parseTdxQuote(quoteBytes);
  sink.summary = summarizeTdx({ quote, fmspc: await readUnverifiedFmspc(quote), tcbStatus: null });
  const { verified, revocation } = await verifyTdxWithCollateral(new TdxVerifier(), {
    quote: quoteBytes,
    now: req.now,
    pcs: req.pcs,
    collateral: files ?? (req.collateral.kind === "pcs" ? "pcs" : "none"),
    ...(pckCrl ? { pckCrl } : {}),
    ...(rootCrl ? { rootCrl } : {}),
  });
  const summary: Summary = {
    ...summarizeTdx({
      quote: verified.quote,
      fmspc: formatFmspc(verified.pck.extension),
      tcbStatus: verified.tcbStatus,
    }),
    pck: { ca: verified.pck.ca, serial: verified.pck.serial },
    pckRootSha256: rootSha256(verified.quote),
    revocation: revocationJson(revocation),
  };
  sink.summary = summary;
  const requireTcbStatus = req.collateral.kind !== "none";
  if (req.referenceValues === undefined) {
    checkDefaultTcbStatus(verified);
    if (!revocation.checked) {
      if (!req.allowMissingCrl) throw revocation.error;
      summary.warnings = [
        `accepted without a current crl (--allow-missing-crl): ${revocation.error.message}`,
      ];
    }
  } else {
    const match = matchTdxReferenceValues(verified, revocation, req.referenceValues.tdx ?? [], {
      allowMissingCrl: req.allowMissingCrl,
      requireTcbStatus,
    });
    summary.matchedReferenceValue = match.matched;
    if (match.warnings.length > 0) summary.warnings = [...match.warnings];
  }
  return summary;
}

function readCollateralFiles(c: Extract<TdxCollateralSource, { kind: "files" }>): TdxCollateralInput {
  return {
    tcbInfo: readInputFile(c.tcbInfoPath, "--tcb-info"),
    qeIdentity: readInputFile(c.qeIdentityPath, "--qe-identity"),
    issuerChain: readInputText(c.signingChainPath, "--tcb-signing-chain"),
  };
}

/** Without reference values the Intel default applies (issue A §3): only UpToDate is acceptable. */
function checkDefaultTcbStatus(v: VerifiedTdxQuote): void {
  const s = v.tcbStatus;
  if (s === null || s.combined === "UpToDate") return;
  const m = `tcbStatus: expected UpToDate, got ${s.combined}`;
  throw new PolicyError("tdx_tcb_status_not_accepted", m, [m], { field: "tcbStatus" });
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
  return sha256Hex(ders[ders.length - 1]!);
}
