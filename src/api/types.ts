// Wire types of the Coordinator API (docs/architecture.md, wire protocol): JSON bodies, bytes as standard padded base64, digests as hex.

import type { Tee } from "../attestation/platforms.ts";
/** Attestation evidence as it travels (docs/architecture.md, wire protocol). */
export interface EvidenceWire {
  platform: Tee;
  /** base64 of the raw SNP report (1184 bytes) or TDX quote. */
  report: string;
  /** base64 DER certificates and CRLs that came with the report (host cert table, sim chain). */
  certs?: { vcek?: string; vlek?: string; ask?: string; ark?: string; crl?: string };
}

export interface AttestRequest {
  nonce: string;
}

export interface AttestResponse {
  version: string;
  /** "uninitialized", "recovery" or "ready". In recovery the history is the stored one, not yet proven by the seed. */
  phase: "uninitialized" | "recovery" | "ready";
  evidence: EvidenceWire;
  /** base64 SPKI DER of the Coordinator's per-boot TLS key. */
  tlsPublicKey: string;
  /** base64 manifests, oldest first (exact bytes as set). */
  manifests: string[];
  /** base64 DER workload-owner signature of each transition, same order as `manifests`. */
  signatures: string[];
  /** base64 policy documents referenced by any manifest in the history (none in recovery). */
  policies: string[];
  /** PEM text, empty string before the first manifest. */
  rootCA: string;
  meshCA: string;
}

export interface SetManifestRequest {
  manifest: string;
  policies: string[];
  /** hex; 64 zeros for the first set. */
  previousTransition: string;
  /** base64 ASN.1 DER ECDSA signature by a workload owner over the new transition hash (the first set included). */
  signature: string;
}

export interface SeedShareWire {
  readonly PublicKey: string;
  readonly EncryptedSeed: string;
}

export interface SeedShareDocumentWire {
  readonly SeedShares: readonly SeedShareWire[];
  readonly Salt: string;
}

export interface SetManifestResponse {
  rootCA: string;
  meshCA: string;
  seedShares?: SeedShareDocumentWire;
}

/** `POST /v1/seed-shares` (body `{}`): the first set's seed-share document as stored with the history. */
export interface SeedSharesResponse {
  seedShares: SeedShareDocumentWire;
}

export interface RecoverRequest {
  seed: string;
  salt: string;
  /** hex; the head of the history the client saw in recovery-mode `/v1/attest` and accepted. */
  latestTransition: string;
}

/** `POST /v1/mesh/attest`: an Initializer attests the Coordinator and its history before trusting anything from it. */
export interface MeshAttestRequest {
  /** base64 of 32 random bytes. */
  nonce: string;
}

export interface MeshAttestResponse {
  version: string;
  evidence: EvidenceWire;
  tlsPublicKey: string;
  manifests: string[];
  signatures: string[];
  rootCA: string;
  meshCA: string;
}

export interface MeshNonceResponse {
  nonce: string;
}

export interface MeshCertRequest {
  nonce: string;
  /** base64 SPKI DER of the Initializer's P-256 key. */
  publicKey: string;
  evidence: EvidenceWire;
}

/** A secret encrypted to an attested P-256 key (ECDH → HKDF-SHA256 → AES-256-GCM). */
export interface EnvelopeWire {
  ephemeralPublicKey: string;
  nonce: string;
  ciphertext: string;
}

export interface MeshCertResponse {
  /** PEM: leaf, then intermediate. */
  certChain: string;
  meshCA: string;
  rootCA: string;
  workloadSecret?: EnvelopeWire;
}
