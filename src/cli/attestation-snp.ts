// `contrast attestation verify --snp-report`: parse → verify (signature, AMD chain, CRL) → validate against any
// matching reference value (spec attestation.md §1.11; issue A §5).

import { parseSnpReport, type SnpReport } from "../attestation/snp/abi.ts";
import type { SnpProduct } from "../attestation/snp/product.ts";
import { readLeafProductName } from "../attestation/snp/select-product.ts";
import { validateSnpReport } from "../attestation/snp/validate.ts";
import { SnpVerifier, type VerifiedSnpReport } from "../attestation/snp/verify.ts";
import { parseCertificate, sha256Hex, splitPem, toDer } from "../attestation/snp/x509-util.ts";
import { utf8 } from "../common/bytes.ts";
import { ContrastError, ParseError, PolicyError } from "../common/errors.ts";
import { snpOptionsFor } from "../manifest/reference-options.ts";
import type { ReferenceValues, SnpReferenceValue } from "../manifest/types.ts";
import { readInputFile } from "./attestation-input.ts";
import { type Summary, summarizeSnp } from "./attestation-summary.ts";

export interface SnpVerifyRequest {
  readonly reportPath: string;
  readonly certPath: string;
  readonly chainPath?: string;
  readonly crlPath?: string;
  readonly now: Date;
  readonly referenceValues?: ReferenceValues;
}

/** Holds the summary as soon as the report parsed, so a failure can still print the parsed fields. */
export interface SummarySink {
  summary?: Summary;
}

/** Verifies one SNP report file; returns the summary or throws the first authenticity or policy failure. */
export async function verifySnpFiles(req: SnpVerifyRequest, sink: SummarySink): Promise<Summary> {
  const reportBytes = readInputFile(req.reportPath, "--snp-report");
  const leaf = readInputFile(req.certPath, "--cert");
  const chain = req.chainPath === undefined ? undefined : readCertChain(req.chainPath);
  const crl = req.crlPath === undefined ? undefined : readCrl(req.crlPath);
  const report = parseWithProduct(reportBytes, leaf);
  sink.summary = summarizeSnp({ report, product: report.product });
  const entries = req.referenceValues?.snp ?? [];
  const verified = await new SnpVerifier().verify({
    report: reportBytes,
    leaf,
    ...(chain ? { intermediate: chain.intermediate, ark: chain.ark } : {}),
    ...(crl ? { crl } : {}),
    now: req.now,
    // A development chain is trusted only when a reference value names its ARK (DESIGN.md §3.5).
    trustedArks: entries.flatMap((e) => (e.SimulatedARK === undefined ? [] : [simulatedArkDer(e)])),
  });
  const summary: Summary = {
    ...summarizeSnp({ report: verified.report, product: verified.product }),
    ark: { ...verified.ark },
    crlChecked: verified.leaf.crlChecked,
  };
  sink.summary = summary;
  if (req.referenceValues !== undefined) {
    summary.matchedReferenceValue = matchSnpReferenceValues(verified, entries);
  }
  return summary;
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
  const ders = splitPem(new TextDecoder().decode(readInputFile(path, "--chain")));
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
  const blocks = splitPem(new TextDecoder().decode(bytes), "X509 CRL");
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

function simulatedArkDer(e: SnpReferenceValue): Uint8Array {
  return toDer(utf8(e.SimulatedARK ?? ""), "SimulatedARK");
}

/**
 * Reference §2.1: the report passes when ANY snp entry matches. Otherwise every mismatch of every entry is
 * reported. An entry with `SimulatedARK` trusts exactly that root; one without trusts only AMD's.
 */
function matchSnpReferenceValues(v: VerifiedSnpReport, entries: readonly SnpReferenceValue[]): string {
  if (entries.length === 0) {
    throw new PolicyError(
      "no_reference_values",
      "reference values: expected at least one snp entry for an snp report, got none",
    );
  }
  const problems: string[] = [];
  for (const [i, rv] of entries.entries()) {
    const mismatches = [...checkArk(v, rv), ...validateSnpReport(v, snpOptionsFor(rv))];
    if (mismatches.length === 0) return `snp[${i}]`;
    problems.push(...mismatches.map((m) => `snp[${i}]: ${m}`));
  }
  throw new PolicyError(
    "reference_values_mismatch",
    `no snp reference value matched: ${problems.join("; ")}`,
    problems,
  );
}

function checkArk(v: VerifiedSnpReport, rv: SnpReferenceValue): string[] {
  if (rv.SimulatedARK === undefined) {
    return v.ark.source === "amd" ? [] : [`ark: expected an AMD root, got the simulated ark ${v.ark.sha256}`];
  }
  const want = sha256Hex(simulatedArkDer(rv));
  return v.ark.sha256 === want ? [] : [`ark: expected the SimulatedARK ${want}, got ${v.ark.sha256}`];
}
