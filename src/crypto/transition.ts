// Manifest history transitions (edgelesssys/contrast internal/history, cli/cmd/sign.go): transition hashes, owner signatures, the `latest` signature.
//
//   transition bytes = SHA-256(manifest bytes) ‖ previous transition hash       (64 bytes; zeros for the first)
//   transition hash  = SHA-256(transition bytes)
//   owner signature  = ECDSA(owner key, SHA-256(lowercase hex of the transition hash)), ASN.1 DER
//   latest signature = ECDSA P-384 (transaction signing key) over the 32-byte transition hash itself, ASN.1 DER

import { concatBytes, toHex, utf8 } from "../common/bytes.ts";
import { sha256 } from "../common/digest.ts";
import { ParseError } from "../common/errors.ts";
import { signEcdsa, signEcdsaDigest, verifyEcdsa, verifyEcdsaDigest } from "./ecdsa.ts";
import { importEcPublicKeySpki } from "./keys.ts";

export const HASH_LENGTH = 32;
/** The previous-transition hash of the first manifest. */
export const ZERO_HASH: Uint8Array = new Uint8Array(HASH_LENGTH);

/** The 64 stored bytes of a transition: manifest hash ‖ previous transition hash. */
export function encodeTransition(manifestHash: Uint8Array, previousTransitionHash: Uint8Array): Uint8Array {
  checkHash(manifestHash, "manifestHash");
  checkHash(previousTransitionHash, "previousTransitionHash");
  return concatBytes(manifestHash, previousTransitionHash);
}

/** Transition hash for installing `manifest` (exact bytes) after `previousTransitionHash`. */
export function computeTransitionHash(manifest: Uint8Array, previousTransitionHash: Uint8Array): Uint8Array {
  return sha256(encodeTransition(sha256(manifest), previousTransitionHash));
}

/** Hashes a whole history (oldest → newest) into the latest transition hash; ZERO_HASH for no manifests. */
export function chainTransitionHashes(manifests: readonly Uint8Array[]): Uint8Array {
  let h = ZERO_HASH;
  for (const m of manifests) h = computeTransitionHash(m, h);
  return h;
}

/** Workload-owner signature over a transition (what `contrast sign` / `set` produce). */
export async function signTransition(ownerKey: CryptoKey, transitionHash: Uint8Array): Promise<Uint8Array> {
  checkHash(transitionHash, "transitionHash");
  return signEcdsa(ownerKey, utf8(toHex(transitionHash)), "SHA-256");
}

/**
 * True when `signature` verifies under any of `ownerPubKeys` (PKIX DER, from the manifest's WorkloadOwnerPubKeys).
 * An empty list verifies nothing: updates are disabled.
 */
export async function verifyTransitionSignature(
  ownerPubKeys: readonly Uint8Array[],
  transitionHash: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  checkHash(transitionHash, "transitionHash");
  const message = utf8(toHex(transitionHash));
  for (const [i, der] of ownerPubKeys.entries()) {
    const key = await importEcPublicKeySpki(der, `WorkloadOwnerPubKeys[${i}]`);
    if (await verifyEcdsa(key, message, signature, "SHA-256")) return true;
  }
  return false;
}

/** The Coordinator's signature on `transitions/latest`. */
export async function signLatestTransition(
  signingKey: CryptoKey,
  transitionHash: Uint8Array,
): Promise<Uint8Array> {
  checkHash(transitionHash, "transitionHash");
  return signEcdsaDigest(signingKey, transitionHash);
}

export async function verifyLatestTransition(
  signingPublicKey: CryptoKey,
  transitionHash: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  checkHash(transitionHash, "transitionHash");
  return verifyEcdsaDigest(signingPublicKey, transitionHash, signature);
}

function checkHash(h: Uint8Array, field: string): void {
  if (!(h instanceof Uint8Array) || h.length !== HASH_LENGTH) {
    throw new ParseError("invalid_length", `${field}: expected ${HASH_LENGTH} bytes, got ${h?.length ?? 0}`, {
      field,
    });
  }
}
