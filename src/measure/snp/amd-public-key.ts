// The AMD SEV public-key format (0x404 bytes) and the ID/author key digests derived from it (AMD SEV-SNP Firmware ABI #56860, ATTESTATION_REPORT).

import { sha384 } from "../../common/digest.ts";
import { ParseError } from "../../common/errors.ts";
import { ecPublicPointOfScalar, isEcPoint } from "../../crypto/keys.ts";

export const AMD_PUBLIC_KEY_SIZE = 0x404;
/** CURVE field value for P-384 (SNP ABI "ECC curve" enum). */
export const AMD_CURVE_P384 = 2;
const COMPONENT_SIZE = 72;

/** Copies a big-endian integer into a zero-extended little-endian field at `at`. */
export function writeLittleEndian(out: Uint8Array, at: number, bigEndian: Uint8Array): void {
  for (let i = 0; i < bigEndian.length; i++) out[at + i] = bigEndian[bigEndian.length - 1 - i]!;
}

/** Encodes an uncompressed SEC1 P-384 point (0x04 ‖ X ‖ Y) as CURVE ‖ QX ‖ QY (little-endian, 72 B each) ‖ zeros. */
export function encodeAmdPublicKey(uncompressedPoint: Uint8Array): Uint8Array {
  if (uncompressedPoint.length !== 97 || uncompressedPoint[0] !== 0x04) {
    throw new ParseError(
      "invalid_public_key",
      `public key: expected a 97-byte uncompressed P-384 point, got ${uncompressedPoint.length} bytes`,
    );
  }
  if (!isEcPoint("P-384", uncompressedPoint))
    throw new ParseError(
      "invalid_public_key",
      "public key: expected a point on P-384, got one off the curve",
    );
  const out = new Uint8Array(AMD_PUBLIC_KEY_SIZE);
  new DataView(out.buffer).setUint32(0, AMD_CURVE_P384, true);
  writeLittleEndian(out, 0x04, uncompressedPoint.subarray(1, 49));
  writeLittleEndian(out, 0x04 + COMPONENT_SIZE, uncompressedPoint.subarray(49, 97));
  return out;
}

/** The public key of a 48-byte private scalar, in AMD format. */
export function encodeAmdPublicKeyFromPrivate(privateScalar: Uint8Array): Uint8Array {
  return encodeAmdPublicKey(ecPublicPointOfScalar("P-384", privateScalar));
}

/** ID_KEY_DIGEST / AUTHOR_KEY_DIGEST as reported by the firmware: SHA-384 of the 0x404-byte key. */
export function computeAmdKeyDigest(amdPublicKey: Uint8Array): Uint8Array {
  if (amdPublicKey.length !== AMD_PUBLIC_KEY_SIZE) {
    throw new ParseError(
      "invalid_public_key",
      `public key: expected ${AMD_PUBLIC_KEY_SIZE} bytes, got ${amdPublicKey.length}`,
    );
  }
  return sha384(amdPublicKey);
}
