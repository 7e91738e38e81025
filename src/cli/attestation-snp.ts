// `contrast attestation verify --snp-report`: parse → verify (signature, AMD chain, CRL) → the shared trust rule
// against the reference values (google/go-sev-guest verify and validate; issue A §5; match-reference-values.ts).

import { parseSnpReport, type SnpReport } from "../attestation/snp/abi.ts";
import type { SnpProduct } from "../attestation/snp/product.ts";
import type { SnpCrlSource } from "../attestation/snp/revocation.ts";
import { readLeafProductName } from "../attestation/snp/select-product.ts";
import { SnpVerifier } from "../attestation/snp/verify.ts";
import { parseCertificate } from "../attestation/snp/x509-util.ts";
import { ContrastError, ParseError } from "../common/errors.ts";
import { decodePemDers } from "../crypto/pem.ts";
import { matchSnpReferenceValues, simulatedArks } from "../manifest/match-reference-values.ts";
import type { ReferenceValues } from "../manifest/schema.ts";
import { readInputFile } from "./attestation-input.ts";
import { type Summary, summarizeSnp } from "./attestation-summary.ts";

export interface SnpVerifyRequest {
  readonly reportPath: string;
  readonly certPath: string;
  readonly chainPath?: string;
  readonly crlPath?: string;
  readonly now: Date;
  readonly referenceValues?: ReferenceValues;
  /** KDS for AMD's ARKs, the sim KDS when configured. */
  readonly crls: SnpCrlSource;
  /** `--allow-missing-crl`: accept without a current CRL (warned). */
  readonly allowMissingCrl: boolean;
}

/** Holds the summary as soon as the report parsed, so a failure can still print the parsed fields. */
export interface SummarySink {
  summary?: Summary;
}

/**
 * Verifies one SNP report file; returns the summary or throws the first authenticity or policy failure. The CRL of
 * the chain's ARK is fetched; `--crl` is checked as well, never instead (revocation.ts).
 */
export async function verifySnpFiles(req: SnpVerifyRequest, sink: SummarySink): Promise<Summary> {
  const reportBytes = readInputFile(req.reportPath, "--snp-report");
  const leaf = readInputFile(req.certPath, "--cert");
  const chain = req.chainPath === undefined ? undefined : readCertChain(req.chainPath);
  const crl = req.crlPath === undefined ? undefined : readCrl(req.crlPath);
  const report = parseWithProduct(reportBytes, leaf);
  sink.summary = summarizeSnp({ report, product: report.product });
  const entries = req.referenceValues?.snp ?? [];
  const withValues = req.referenceValues !== undefined;
  const verified = await new SnpVerifier().verify({
    report: reportBytes,
    leaf,
    ...(chain ? { intermediate: chain.intermediate, ark: chain.ark } : {}),
    now: req.now,
    // A development chain is trusted only when a reference value names its ARK (docs/architecture.md, simulated TEE).
    trustedArks: simulatedArks(entries),
    // With reference values each entry decides about a missing CRL; without, only the flag can accept one.
    revocation: {
      source: req.crls,
      ...(crl ? { crl } : {}),
      allowUnchecked: withValues || req.allowMissingCrl,
    },
  });
  const summary: Summary = {
    ...summarizeSnp({ report: verified.report, product: verified.product }),
    ark: { ...verified.ark },
    crlChecked: verified.leaf.crlChecked,
    revocation: revocationJson(verified.leaf.revocation),
  };
  sink.summary = summary;
  if (withValues) {
    const match = matchSnpReferenceValues(verified, entries, { allowMissingCrl: req.allowMissingCrl });
    summary.matchedReferenceValue = match.matched;
    if (match.warnings.length > 0) summary.warnings = [...match.warnings];
  } else if (!verified.leaf.revocation.checked) {
    summary.warnings = [
      `accepted without a current crl (--allow-missing-crl): ${verified.leaf.revocation.error.message}`,
    ];
  }
  return summary;
}

/** `revocation` in the JSON summary: which CRLs were consulted, or why none was. */
export function revocationJson(
  r: { checked: true; crls?: readonly string[] } | { checked: false; error: { message: string } },
): Summary {
  return r.checked
    ? { checked: true, ...(r.crls ? { crls: [...r.crls] } : {}) }
    : { checked: false, reason: r.error.message };
}

/**
 * The report's product decides its TCB layout; a v2 report has no CPUID, so the certificate's productName
 * names it. A certificate that does not parse is left for the verifier to reject.
 */
function parseWithProduct(reportBytes: Uint8Array, leaf: Uint8Array): SnpReport {
  const report = parseSnpReport(reportBytes);
  if (report.product !== undefined) return report;
  let product: SnpProduct | undefined;
  try {
    product = readLeafProductName(parseCertificate(leaf, "--cert"))?.product;
  } catch (e) {
    if (!(e instanceof ContrastError)) throw e;
  }
  return product === undefined ? report : parseSnpReport(reportBytes, { product });
}

/** `--chain`: a KDS `cert_chain` bundle, PEM, the ASK/ASVK first and then the ARK. */
function readCertChain(path: string): { intermediate: Uint8Array; ark: Uint8Array } {
  const ders = decodePemDers(new TextDecoder().decode(readInputFile(path, "--chain")), "CERTIFICATE");
  if (ders.length !== 2) {
    throw new ParseError(
      "invalid_cert_chain",
      `--chain: expected 2 pem certificates (ask or asvk, then ark), got ${ders.length}`,
      { field: "--chain" },
    );
  }
  return { intermediate: ders[0]!, ark: ders[1]! };
}

/** `--crl`: the ARK-signed KDS CRL, DER or one PEM `X509 CRL` block. */
function readCrl(path: string): Uint8Array {
  const bytes = readInputFile(path, "--crl");
  if (bytes[0] === 0x30) return bytes;
  const blocks = decodePemDers(new TextDecoder().decode(bytes), "X509 CRL");
  if (blocks.length !== 1) {
    throw new ParseError(
      "snp_crl_invalid",
      `--crl: expected one der or pem crl, got ${blocks.length} pem blocks`,
      {
        field: "--crl",
      },
    );
  }
  return blocks[0]!;
}
