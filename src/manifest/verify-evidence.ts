// Verifies platform evidence against a manifest's reference values: authenticity (chain, signature, revocation from
// KDS/PCS or the evidence), then the trust rule of match-reference-values.ts (any entry may match, edgelesssys/contrast internal/manifest).

import { type ClaimExtension, snpClaims, tdxClaims } from "../attestation/claims.ts";
import type { Evidence } from "../attestation/evidence.ts";
import type { Tee } from "../attestation/platforms.ts";
import { parseSnpReport, type SnpReport } from "../attestation/snp/abi.ts";
import { createKdsCrlSource } from "../attestation/snp/crl-source.ts";
import type { KdsClient } from "../attestation/snp/kds.ts";
import type { SnpCrlSource } from "../attestation/snp/revocation.ts";
import { createVcekFetcher, type VcekFetcher } from "../attestation/snp/vcek-fetcher.ts";
import { SnpVerifier } from "../attestation/snp/verify.ts";
import { verifyTdxWithCollateral } from "../attestation/tdx/fetch-collateral.ts";
import type { PcsClient } from "../attestation/tdx/pcs.ts";
import { TdxVerifier } from "../attestation/tdx/verify.ts";
import { UnavailableError } from "../common/errors.ts";
import {
  matchSnpReferenceValues,
  matchTdxReferenceValues,
  requireEntries,
  simulatedArks,
} from "./match-reference-values.ts";
import type { ReferenceValues } from "./schema.ts";

export interface VerifiedEvidence {
  platform: Tee;
  /** The 32 bytes that identify the pod's policy: SNP HOST_DATA, TDX MRCONFIGID[0..32]. */
  hostData: Uint8Array;
  /** Report claims to copy into a mesh certificate (edgelesssys/contrast internal/oid). */
  claims: ClaimExtension[];
  /** Which reference-value entry matched, e.g. `snp[0]`. */
  matched: string;
  /** Relaxations the match relied on (a missing CRL accepted by `AllowMissingCRL`); also passed to `warn`. */
  warnings?: readonly string[];
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
  /** AMD KDS: shorthand for `vcek` and `crls` built on it (bounded VCEK fetches; CRLs of AMD's ARKs only). */
  kds?: KdsClient;
  /** Fetches a VCEK when the evidence has none (bounded per chip ID and TCB); absent = such evidence is refused. */
  vcek?: VcekFetcher;
  /** Fetches the CRL of the chain's ARK (KDS; the sim's KDS when configured); absent = only CRLs in the evidence. */
  crls?: SnpCrlSource;
  /** Fetches TDX collateral and CRLs; absent = a TDX quote cannot be admitted (its TCB status is unknown). */
  pcs?: PcsClient;
  /** Receives every warning of an admitted evidence (e.g. a missing CRL accepted); the Coordinator logs them. */
  warn?: (message: string) => void;
}

/** One verifier per process: chains, keys, CRL checks and fetched VCEKs are cached across calls. */
export function createEvidenceVerifier(options: EvidenceVerifierOptions = {}): EvidenceVerifier {
  const { kds } = options;
  const opts: EvidenceVerifierOptions = {
    ...options,
    ...(options.vcek === undefined && kds ? { vcek: createVcekFetcher(kds) } : {}),
    ...(options.crls === undefined && kds ? { crls: createKdsCrlSource({ amd: kds }) } : {}),
  };
  const now = opts.now ?? (() => new Date());
  const snp = new SnpVerifier();
  const tdx = new TdxVerifier();
  return {
    async verify(evidence, rv, reportData) {
      const result =
        evidence.platform === "snp"
          ? await verifySnp(snp, opts, evidence, rv, reportData, now())
          : await verifyTdx(tdx, opts.pcs, evidence, rv, reportData, now());
      for (const w of result.warnings ?? []) opts.warn?.(w);
      return result;
    },
  };
}

async function verifySnp(
  verifier: SnpVerifier,
  opts: EvidenceVerifierOptions,
  ev: Evidence,
  rv: ReferenceValues,
  reportData: Uint8Array,
  now: Date,
): Promise<VerifiedEvidence> {
  const entries = rv.snp ?? [];
  requireEntries("snp", entries);
  const report = parseSnpReport(ev.report);
  const leaf = ev.certs.vcek ?? ev.certs.vlek ?? (await fetchVcek(opts.vcek, report));
  const verified = await verifier.verify({
    report: ev.report,
    leaf,
    ...(ev.certs.ask ? { intermediate: ev.certs.ask } : {}),
    ...(ev.certs.ark ? { ark: ev.certs.ark } : {}),
    now,
    // A development chain is trusted only by an entry that names its ARK explicitly (docs/architecture.md, simulated TEE).
    trustedArks: simulatedArks(entries),
    // Whether a missing CRL is acceptable is each entry's decision (AllowMissingCRL), taken by the trust rule.
    revocation: {
      ...(opts.crls ? { source: opts.crls } : {}),
      ...(ev.certs.crl ? { crl: ev.certs.crl } : {}),
      allowUnchecked: true,
    },
  });
  const match = matchSnpReferenceValues(verified, entries, { reportData });
  return {
    platform: "snp",
    hostData: verified.report.hostData,
    claims: snpClaims(verified.report),
    ...match,
  };
}

async function fetchVcek(vcek: VcekFetcher | undefined, r: SnpReport): Promise<Uint8Array> {
  if (!vcek || r.signerInfo.signingKey !== "vcek" || !r.product) {
    throw new UnavailableError(
      "no_endorsement",
      "evidence: no VCEK/VLEK certificate, and none can be fetched",
    );
  }
  return vcek.getVcek(r.product, r.chipId, r.reportedTcb);
}

async function verifyTdx(
  verifier: TdxVerifier,
  pcs: PcsClient | undefined,
  ev: Evidence,
  rv: ReferenceValues,
  reportData: Uint8Array,
  now: Date,
): Promise<VerifiedEvidence> {
  const entries = rv.tdx ?? [];
  requireEntries("tdx", entries);
  const { verified, revocation } = await verifyTdxWithCollateral(verifier, {
    quote: ev.report,
    now,
    ...(pcs ? { pcs } : {}),
    collateral: pcs ? "pcs" : "none",
  });
  const match = matchTdxReferenceValues(verified, revocation, entries, { reportData });
  const hostData = verified.quote.body.mrConfigId.slice(0, 32);
  return { platform: "tdx", hostData, claims: tdxClaims(verified.quote), ...match };
}
