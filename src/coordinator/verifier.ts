// What the Coordinator needs from attestation: verify evidence against a manifest's reference values.

import type { Evidence } from "../attestation/evidence.ts";
import type { RawExtension } from "../crypto/ca.ts";
import type { ReferenceValues } from "../manifest/types.ts";

export interface VerifiedEvidence {
  platform: "snp" | "tdx";
  /** The 32 bytes that identify the pod's policy: SNP HOST_DATA, TDX MRCONFIGID[0..32]. */
  hostData: Uint8Array;
  /** Report claims to copy into the mesh certificate (OIDs of reference §4.4). */
  claims: RawExtension[];
}

/**
 * Verifies evidence (signature, chain, collateral) and validates it against ANY of the reference values
 * (OR semantics, reference §2.1) and the expected report data. Throws VerificationError / PolicyError /
 * UnavailableError with every mismatch in the message.
 */
export interface EvidenceVerifier {
  verify(
    evidence: Evidence,
    referenceValues: ReferenceValues,
    expectedReportData: Uint8Array,
  ): Promise<VerifiedEvidence>;
}
