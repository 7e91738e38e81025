// Verifies platform evidence against a manifest's reference values: any entry may match (reference §2.1).

import { type ClaimExtension, snpClaims, tdxClaims } from "../attestation/claims.ts";
import type { Evidence } from "../attestation/evidence.ts";
import type { SnpReport } from "../attestation/snp/abi.ts";
import { parseSnpReport } from "../attestation/snp/abi.ts";
import type { KdsClient } from "../attestation/snp/kds.ts";
import { validateSnpReport } from "../attestation/snp/validate.ts";
import { SnpVerifier, type VerifiedSnpReport } from "../attestation/snp/verify.ts";
import { toDer } from "../attestation/snp/x509-util.ts";
import { fetchTdxCollateral } from "../attestation/tdx/fetch-collateral.ts";
import type { PcsClient } from "../attestation/tdx/pcs.ts";
import { validateTdxQuote } from "../attestation/tdx/validate.ts";
import { TdxVerifier, type VerifiedTdxQuote } from "../attestation/tdx/verify.ts";

import { ContrastError, PolicyError, UnavailableError } from "../common/errors.ts";
import { snpOptionsFor, tdxOptionsFor } from "./reference-options.ts";
import type { ReferenceValues, SnpReferenceValue, TdxReferenceValue } from "./types.ts";

export interface VerifiedEvidence {
  platform: "snp" | "tdx";
  /** The 32 bytes that identify the pod's policy: SNP HOST_DATA, TDX MRCONFIGID[0..32]. */
  hostData: Uint8Array;
  /** Report claims to copy into a mesh certificate (reference §4.4). */
  claims: ClaimExtension[];
  /** Which reference-value entry matched, e.g. `snp[0]`. */
  matched: string;
}

export interface EvidenceVerifier {
  verify(
    evidence: Evidence,
    referenceValues: ReferenceValues,
    expectedReportData: Uint8Array,
  ): Promise<VerifiedEvidence>;
}

export interface EvidenceVerifierOptions {
  now?: () => Date;
  /** Fetches a VCEK (and CRL) when the evidence has none; absent = offline. */
  kds?: KdsClient;
  /** Fetches TDX collateral; absent = a TDX quote cannot be admitted (its TCB status is unknown). */
  pcs?: PcsClient;
}

/** One verifier per process: chains and keys are cached across calls. */
export function createEvidenceVerifier(opts: EvidenceVerifierOptions = {}): EvidenceVerifier {
  const now = opts.now ?? (() => new Date());
  const snp = new SnpVerifier();
  const tdx = new TdxVerifier();
  return {
    async verify(evidence, rv, reportData) {
      if (evidence.platform === "snp")
        return verifySnp(snp, opts.kds, evidence, rv.snp ?? [], reportData, now());
      return verifyTdx(tdx, opts.pcs, evidence, rv.tdx ?? [], reportData, now());
    },
  };
}

async function verifySnp(
  verifier: SnpVerifier,
  kds: KdsClient | undefined,
  ev: Evidence,
  entries: readonly SnpReferenceValue[],
  reportData: Uint8Array,
  now: Date,
): Promise<VerifiedEvidence> {
  if (entries.length === 0)
    throw new PolicyError("no_reference_values", "reference values: no snp entry, got snp evidence");
  const report = parseSnpReport(ev.report);
  const leaf = ev.certs.vcek ?? ev.certs.vlek ?? (await fetchVcek(kds, report));
  const problems: string[] = [];
  let lastVerificationError: ContrastError | undefined;
  for (const [i, rv] of entries.entries()) {
    let verified: VerifiedSnpReport;
    try {
      verified = await verifier.verify({
        report: ev.report,
        leaf,
        ...(ev.certs.ask ? { intermediate: ev.certs.ask } : {}),
        ...(ev.certs.ark ? { ark: ev.certs.ark } : {}),
        ...(ev.certs.crl ? { crl: ev.certs.crl } : {}),
        product: rv.ProductName,
        now,
        // A development chain is trusted only by an entry that names its ARK explicitly (DESIGN.md §3.5).
        trustedArks: rv.SimulatedARK
          ? [toDer(new TextEncoder().encode(rv.SimulatedARK), "SimulatedARK")]
          : [],
      });
    } catch (e) {
      if (!(e instanceof ContrastError)) throw e;
      lastVerificationError = e;
      problems.push(`snp[${i}]: ${e.message}`);
      continue;
    }
    const mismatches = validateSnpReport(verified, snpOptionsFor(rv, reportData));
    if (mismatches.length === 0) {
      return {
        platform: "snp",
        hostData: report.hostData,
        claims: snpClaims(verified.report),
        matched: `snp[${i}]`,
      };
    }
    problems.push(...mismatches.map((m) => `snp[${i}]: ${m}`));
  }
  throw failure(problems, lastVerificationError, entries.length);
}

async function fetchVcek(kds: KdsClient | undefined, r: SnpReport): Promise<Uint8Array> {
  if (!kds || r.signerInfo.signingKey !== "vcek" || !r.product) {
    throw new UnavailableError(
      "no_endorsement",
      "evidence: no VCEK/VLEK certificate, and none can be fetched",
    );
  }
  return kds.getVcek(r.product, r.chipId, r.reportedTcb);
}

async function verifyTdx(
  verifier: TdxVerifier,
  pcs: PcsClient | undefined,
  ev: Evidence,
  entries: readonly TdxReferenceValue[],
  reportData: Uint8Array,
  now: Date,
): Promise<VerifiedEvidence> {
  if (entries.length === 0)
    throw new PolicyError("no_reference_values", "reference values: no tdx entry, got tdx evidence");
  // First pass: signatures and chain, which also tells us the FMSPC whose collateral we need.
  const bare = await verifier.verify({ quote: ev.report, now });
  let verified: VerifiedTdxQuote = bare;
  if (pcs) {
    const fetched = await fetchTdxCollateral(pcs, bare);
    verified = await verifier.verify({ quote: ev.report, now, ...fetched });
  }
  const problems: string[] = [];
  for (const [i, rv] of entries.entries()) {
    const mismatches = validateTdxQuote(verified, tdxOptionsFor(rv, reportData));
    if (mismatches.length === 0) {
      const hostData = verified.quote.body.mrConfigId.slice(0, 32);
      return { platform: "tdx", hostData, claims: tdxClaims(verified.quote), matched: `tdx[${i}]` };
    }
    problems.push(...mismatches.map((m) => `tdx[${i}]: ${m}`));
  }
  throw failure(problems, undefined, entries.length);
}

/** When every entry failed authenticity the error is a verification error; otherwise a policy mismatch. */
function failure(
  problems: string[],
  verification: ContrastError | undefined,
  entries: number,
): ContrastError {
  const verificationOnly = verification !== undefined && problems.length === entries;
  if (verificationOnly) return verification;
  const msg = `no reference value matched: ${problems.slice(0, 8).join("; ")}${problems.length > 8 ? ` (and ${problems.length - 8} more)` : ""}`;
  return new PolicyError("reference_values_mismatch", msg, problems);
}
