// What the Coordinator needs from attestation: evidence verified against the manifest's reference values.

export type { EvidenceVerifier, VerifiedEvidence } from "../manifest/verify-evidence.ts";
