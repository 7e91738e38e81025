// Deterministic ECDSA private keys from a seed, per c2sp.org/det-keygen (FIPS 186-5 A.2.2 with HMAC_DRBG).
//
// Derivation (c2sp.org/det-keygen §ECDSA), HMAC = HMAC-SHA-256 whatever the curve:
//   pers = "det ECDSA key gen P-256" | "…P-384" | "…P-521"
//   K = 0x00×32, V = 0x01×32                                   (SP 800-90A §10.1.2.3 instantiate)
//   K = HMAC(K, V ‖ 0x00 ‖ seed ‖ pers); V = HMAC(K, V)
//   K = HMAC(K, V ‖ 0x01 ‖ seed ‖ pers); V = HMAC(K, V)
//   temp = V₁ ‖ V₂ ‖ … (V = HMAC(K, V) each) until len(temp) ≥ len(n)   (§10.1.2.5 generate)
//   d = bits2int(temp) (RFC 6979 §2.3.2: leftmost len(n) bits, big-endian)
//   P-256 only: if d ≥ n, reseed-less update K = HMAC(K, V ‖ 0x00); V = HMAC(K, V) and draw once more
//   d = 0 or d ≥ n → fatal error (negligible for P-384/P-521)
// This is what filippo.io/keygen.ECDSA does, which the reference Coordinator uses for the root CA and transaction
// signing keys (edgelesssys/contrast coordinator/internal/seedengine), so the same seed gives the same keys as the reference.

import { p256, p384, p521 } from "@noble/curves/nist.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { concatBytes, utf8 } from "../common/bytes.ts";
import { ConfigError } from "../common/errors.ts";

export type DetKeygenCurve = "P-256" | "P-384" | "P-521";

const ORDERS: Record<DetKeygenCurve, { n: bigint; bits: number }> = {
  "P-256": { n: p256.Point.Fn.ORDER, bits: 256 },
  "P-384": { n: p384.Point.Fn.ORDER, bits: 384 },
  "P-521": { n: p521.Point.Fn.ORDER, bits: 521 },
};

/** c2sp.org/det-keygen: the seed MUST be at least 128 bits. */
export const DET_KEYGEN_MIN_SEED = 16;

/**
 * Derives the private scalar d for `curve` from `seed`, returned big-endian and left-padded to the curve's
 * scalar length (32, 48 or 66 bytes).
 */
export function deriveEcdsaScalar(curve: DetKeygenCurve, seed: Uint8Array): Uint8Array {
  if (seed.length < DET_KEYGEN_MIN_SEED) {
    throw new ConfigError(
      "seed_too_short",
      `seed: expected at least ${DET_KEYGEN_MIN_SEED} bytes, got ${seed.length}`,
      {
        field: "seed",
      },
    );
  }
  const { n, bits } = ORDERS[curve];
  const drbg = instantiateDrbg(seed, utf8(`det ECDSA key gen ${curve}`));
  let d = bits2int(drbg.generate(Math.ceil(bits / 8)), bits);
  if (curve === "P-256" && d >= n) {
    drbg.update();
    d = bits2int(drbg.generate(Math.ceil(bits / 8)), bits);
  }
  if (d === 0n || d >= n) {
    throw new ConfigError("det_keygen_failed", `det-keygen: derived scalar out of range for ${curve}`);
  }
  return bigIntToBytes(d, Math.ceil(bits / 8));
}

interface Drbg {
  generate(len: number): Uint8Array;
  update(): void;
}

/** HMAC_DRBG (SHA-256) instantiated with entropy = seed ‖ personalization and no nonce (det-keygen steps 2–7). */
function instantiateDrbg(seed: Uint8Array, personalization: Uint8Array): Drbg {
  let k: Uint8Array = new Uint8Array(32);
  let v: Uint8Array = new Uint8Array(32).fill(1);
  const mac = (key: Uint8Array, ...parts: Uint8Array[]) => hmac(sha256, key, concatBytes(...parts));
  k = mac(k, v, Uint8Array.of(0), seed, personalization);
  v = mac(k, v);
  k = mac(k, v, Uint8Array.of(1), seed, personalization);
  v = mac(k, v);
  return {
    generate(len: number): Uint8Array {
      const blocks: Uint8Array[] = [];
      for (let have = 0; have < len; have += 32) {
        v = mac(k, v);
        blocks.push(v);
      }
      return concatBytes(...blocks);
    },
    // The retry step: update with no additional input after a rejected sample (det-keygen step 11).
    update(): void {
      k = mac(k, v, Uint8Array.of(0));
      v = mac(k, v);
    },
  };
}

/** RFC 6979 §2.3.2: take the leftmost `qlen` bits of `b` as a big-endian integer. */
function bits2int(b: Uint8Array, qlen: number): bigint {
  let x = 0n;
  for (const byte of b) x = (x << 8n) | BigInt(byte);
  const blen = b.length * 8;
  return blen > qlen ? x >> BigInt(blen - qlen) : x;
}

function bigIntToBytes(x: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len);
  let v = x;
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}
