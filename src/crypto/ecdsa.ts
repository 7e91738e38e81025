// ECDSA signatures in ASN.1 DER form (what Go's SignASN1/VerifyASN1 and X.509 use), over WebCrypto.

import { p256, p384 } from "@noble/curves/nist.js";
import { asBufferSource } from "./buffer-source.ts";
import { curveOf, type EcCurve, exportEcPrivateScalar, exportEcPublicPoint } from "./keys.ts";

export type EcdsaHash = "SHA-256" | "SHA-384";

const NOBLE: Record<EcCurve, typeof p256> = { "P-256": p256, "P-384": p384 };

/** SHA-256 for P-256 and SHA-384 for P-384, unless a caller says otherwise. */
export function defaultHashFor(curve: EcCurve): EcdsaHash {
  return curve === "P-256" ? "SHA-256" : "SHA-384";
}

/** Signs `data` (hashed with `hash`) and returns the DER-encoded Ecdsa-Sig-Value (RFC 3279 §2.2.3). */
export async function signEcdsa(
  privateKey: CryptoKey,
  data: Uint8Array,
  hash?: EcdsaHash,
): Promise<Uint8Array> {
  const curve = curveOf(privateKey);
  const raw = new Uint8Array(
    await crypto.subtle.sign(
      { name: "ECDSA", hash: hash ?? defaultHashFor(curve) },
      privateKey,
      asBufferSource(data),
    ),
  );
  return NOBLE[curve].Signature.fromBytes(raw, "compact").toBytes("der");
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
 * Signs a precomputed digest directly, like Go's ecdsa.SignASN1 (the digest is not hashed again; a digest shorter
 * than the order is used as is). Used for the Coordinator's `latest` transition signature (reference §3.6).
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
