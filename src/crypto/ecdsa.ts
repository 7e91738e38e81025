// ECDSA signatures in ASN.1 DER form (what Go's SignASN1/VerifyASN1 and X.509 use), over WebCrypto and node:crypto.
//
// Signing and the verification of IEEE-P1363 signatures (SNP reports) go to node:crypto when the key can be handed to
// it: ~15% faster than WebCrypto here, and able to use every core (ecdsa-runner.ts).

import { KeyObject } from "node:crypto";
import { p256, p384 } from "@noble/curves/nist.js";
import { asBufferSource } from "./buffer-source.ts";
import { runSign, runVerify } from "./ecdsa-runner.ts";
import { curveOf, type EcCurve, exportEcPrivateScalar, exportEcPublicPoint } from "./keys.ts";

export type EcdsaHash = "SHA-256" | "SHA-384";

const NOBLE: Record<EcCurve, typeof p256> = { "P-256": p256, "P-384": p384 };

/** SHA-256 for P-256 and SHA-384 for P-384, unless a caller says otherwise. */
export function defaultHashFor(curve: EcCurve): EcdsaHash {
  return curve === "P-256" ? "SHA-256" : "SHA-384";
}

const NODE_HASH: Record<EcdsaHash, string> = { "SHA-256": "sha256", "SHA-384": "sha384" };
const keyObjects = new WeakMap<CryptoKey, KeyObject>();

/** The node:crypto view of an extractable key (the same key material, no copy); undefined for non-extractable keys. */
function keyObjectOf(key: CryptoKey): KeyObject | undefined {
  if (!key.extractable) return undefined;
  let k = keyObjects.get(key);
  if (k === undefined) {
    k = KeyObject.from(key);
    keyObjects.set(key, k);
  }
  return k;
}

/** Signs `data` (hashed with `hash`) and returns the DER-encoded Ecdsa-Sig-Value (RFC 3279 §2.2.3). */
export async function signEcdsa(
  privateKey: CryptoKey,
  data: Uint8Array,
  hash?: EcdsaHash,
): Promise<Uint8Array> {
  const curve = curveOf(privateKey);
  const h = hash ?? defaultHashFor(curve);
  const key = keyObjectOf(privateKey);
  if (key !== undefined) return runSign(NODE_HASH[h], data, key, "der");
  const raw = new Uint8Array(
    await crypto.subtle.sign({ name: "ECDSA", hash: h }, privateKey, asBufferSource(data)),
  );
  return NOBLE[curve].Signature.fromBytes(raw, "compact").toBytes("der");
}

/**
 * Verifies an IEEE-P1363 (r ‖ s) signature over `data`, e.g. an SNP report's; false for any malformed signature,
 * never throws on bad input.
 */
export async function verifyEcdsaP1363(
  publicKey: CryptoKey,
  data: Uint8Array,
  signature: Uint8Array,
  hash: EcdsaHash,
): Promise<boolean> {
  const key = keyObjectOf(publicKey);
  if (key === undefined) {
    return crypto.subtle
      .verify({ name: "ECDSA", hash }, publicKey, asBufferSource(signature), asBufferSource(data))
      .catch(() => false);
  }
  return runVerify(NODE_HASH[hash], data, key, "ieee-p1363", signature);
}

/** Verifies a DER signature over `data`; false for any malformed signature, never throws on bad input. */
export async function verifyEcdsa(
  publicKey: CryptoKey,
  data: Uint8Array,
  signature: Uint8Array,
  hash?: EcdsaHash,
): Promise<boolean> {
  const curve = curveOf(publicKey);
  const raw = derToCompact(curve, signature);
  if (raw === undefined) return false;
  return crypto.subtle.verify(
    { name: "ECDSA", hash: hash ?? defaultHashFor(curve) },
    publicKey,
    asBufferSource(raw),
    asBufferSource(data),
  );
}

/**
 * Signs `message` with the raw private scalar `d`, synchronously: hashed with the curve's hash, RFC 6979
 * deterministic k, r ‖ s big-endian (SNP ID blocks are signed this way, in `contrast measure`).
 */
export function signEcdsaWithScalar(curve: EcCurve, d: Uint8Array, message: Uint8Array): Uint8Array {
  return NOBLE[curve].sign(message, d);
}

/**
 * Signs a precomputed digest directly, like Go's ecdsa.SignASN1 (the digest is not hashed again; a digest shorter
 * than the order is used as is). Used for the Coordinator's `latest` transition signature (edgelesssys/contrast internal/history).
 */
export async function signEcdsaDigest(privateKey: CryptoKey, digest: Uint8Array): Promise<Uint8Array> {
  const curve = curveOf(privateKey);
  const d = await exportEcPrivateScalar(privateKey);
  try {
    return NOBLE[curve].sign(digest, d, { prehash: false, lowS: false, format: "der" });
  } finally {
    d.fill(0);
  }
}

/** Verifies a DER signature over a precomputed digest (Go's ecdsa.VerifyASN1). */
export async function verifyEcdsaDigest(
  publicKey: CryptoKey,
  digest: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  const curve = curveOf(publicKey);
  const point = await exportEcPublicPoint(publicKey);
  if (derToCompact(curve, signature) === undefined) return false;
  try {
    return NOBLE[curve].verify(signature, digest, point, { prehash: false, lowS: false, format: "der" });
  } catch {
    return false;
  }
}

/** Strict DER → r ‖ s; undefined when the bytes are not a canonical DER signature for the curve. */
function derToCompact(curve: EcCurve, der: Uint8Array): Uint8Array | undefined {
  try {
    const sig = NOBLE[curve].Signature.fromBytes(der, "der");
    const compact = sig.toBytes("compact");
    // Reject non-canonical encodings (extra padding, trailing bytes): re-encoding must give the same bytes.
    const again = sig.toBytes("der");
    if (again.length !== der.length || again.some((b, i) => b !== der[i])) return undefined;
    return compact;
  } catch {
    return undefined;
  }
}
