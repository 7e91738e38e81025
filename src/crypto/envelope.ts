// Envelope encryption of a secret to an attested P-256 public key (docs/architecture.md, secrets). This is a wire protocol.
//
// contrast envelope v1
//   sender:    e ← random P-256 scalar, E = e·G (ephemeral)
//              z = x-coordinate of e·R, where R is the recipient's attested public key (SEC1 ECDH, 32 bytes)
//              k = HKDF-SHA256(ikm = z, salt = E ‖ R, info = "contrast envelope v1", 32 bytes)
//                  (E and R as uncompressed SEC1 points, 65 bytes each)
//              nonce ← 12 random bytes; ct = AES-256-GCM(k, nonce, plaintext, no AAD) (ciphertext ‖ 16-byte tag)
//   wire:      { "ephemeralPublicKey": b64(E), "nonce": b64(nonce), "ciphertext": b64(ct) }   (standard base64)
//   recipient: recomputes z with its private key and R, derives k, opens ct; any change to E, nonce or ct fails.
// Binding both points into the key means a ciphertext cannot be replayed to a different recipient key.

import { createCipheriv, createECDH } from "node:crypto";
import { p256 } from "@noble/curves/nist.js";
import { concatBytes, fromBase64, toBase64 } from "../common/bytes.ts";
import { describeValue, ParseError, VerificationError } from "../common/errors.ts";
import { asBufferSource } from "./buffer-source.ts";
import { hkdfSha256 } from "./hkdf.ts";
import { curveOf, exportEcPrivateScalar, exportEcPublicPoint } from "./keys.ts";
import { defaultRandom, type RandomSource } from "./random.ts";

export const ENVELOPE_INFO = "contrast envelope v1";

export interface Envelope {
  readonly ephemeralPublicKey: string;
  readonly nonce: string;
  readonly ciphertext: string;
}

/**
 * Encrypts `plaintext` to the P-256 public key `recipient`. A caller that holds the key's uncompressed point passes
 * it as `recipientPoint` (it must be that key's; it saves an export).
 */
export async function sealEnvelope(
  recipient: CryptoKey,
  plaintext: Uint8Array,
  random: RandomSource = defaultRandom,
  recipientPoint?: Uint8Array,
): Promise<Envelope> {
  requireP256(recipient);
  return sealToPoint(recipientPoint ?? (await exportEcPublicPoint(recipient)), plaintext, random);
}

function sealToPoint(recipientPoint: Uint8Array, plaintext: Uint8Array, random: RandomSource): Envelope {
  if (recipientPoint.length !== 65 || recipientPoint[0] !== 0x04)
    throw new ParseError("unsupported_key", "envelope key: expected an uncompressed p-256 point", {
      field: "key",
    });
  // 48 random bytes reduced mod n (FIPS 186-5 A.2.1 style) gives an unbiased non-zero scalar; the curve arithmetic
  // runs natively in node:crypto (~20× the same in JS), the scalar still comes from `random`.
  const e = p256.utils.randomSecretKey(random(p256.lengths.seed ?? 48));
  const ecdh = createECDH("prime256v1");
  try {
    ecdh.setPrivateKey(e);
  } finally {
    e.fill(0);
  }
  const ephemeralPoint = new Uint8Array(ecdh.getPublicKey());
  const z = new Uint8Array(ecdh.computeSecret(recipientPoint));
  const key = deriveKey(z, ephemeralPoint, recipientPoint);
  z.fill(0);
  const nonce = random(12);
  const cipher = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: 16 });
  key.fill(0);
  const ct = concatBytes(cipher.update(plaintext), cipher.final(), cipher.getAuthTag());
  return { ephemeralPublicKey: toBase64(ephemeralPoint), nonce: toBase64(nonce), ciphertext: toBase64(ct) };
}

/** Decrypts an envelope with the recipient's P-256 private key. Tampering → VerificationError `envelope_invalid`. */
export async function openEnvelope(privateKey: CryptoKey, envelope: unknown): Promise<Uint8Array> {
  requireP256(privateKey);
  const env = parseEnvelope(envelope);
  const d = await exportEcPrivateScalar(privateKey);
  try {
    const recipientPoint = p256.getPublicKey(d, false);
    let shared: Uint8Array;
    try {
      shared = p256.getSharedSecret(d, env.ephemeralPoint, true);
    } catch {
      throw new ParseError("invalid_envelope", "envelope.ephemeralPublicKey: expected a valid p-256 point", {
        field: "envelope.ephemeralPublicKey",
      });
    }
    const key = deriveKey(shared.subarray(1), env.ephemeralPoint, recipientPoint);
    return await aesGcm("decrypt", key, env.nonce, env.ciphertext);
  } finally {
    d.fill(0);
  }
}

interface ParsedEnvelope {
  ephemeralPoint: Uint8Array;
  nonce: Uint8Array;
  ciphertext: Uint8Array;
}

/** Checks shape and lengths before any crypto: point 65 bytes uncompressed, nonce 12, ciphertext ≥ 16 (the tag). */
export function parseEnvelope(v: unknown): ParsedEnvelope {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new ParseError("invalid_envelope", `envelope: expected object, got ${describeValue(v)}`, {
      field: "envelope",
    });
  }
  const o = v as Record<string, unknown>;
  const field = (name: string, check: (n: number) => boolean, expected: string): Uint8Array => {
    const f = `envelope.${name}`;
    const raw = o[name];
    if (typeof raw !== "string") {
      throw new ParseError("invalid_envelope", `${f}: expected base64 string, got ${describeValue(raw)}`, {
        field: f,
      });
    }
    const b = fromBase64(raw, f);
    if (!check(b.length)) {
      throw new ParseError("invalid_envelope", `${f}: expected ${expected}, got ${b.length} bytes`, {
        field: f,
      });
    }
    return b;
  };
  const ephemeralPoint = field("ephemeralPublicKey", (n) => n === 65, "65 bytes");
  if (ephemeralPoint[0] !== 0x04) {
    throw new ParseError(
      "invalid_envelope",
      "envelope.ephemeralPublicKey: expected uncompressed point (0x04)",
      {
        field: "envelope.ephemeralPublicKey",
      },
    );
  }
  return {
    ephemeralPoint,
    nonce: field("nonce", (n) => n === 12, "12 bytes"),
    ciphertext: field("ciphertext", (n) => n >= 16 && n <= 1 << 20, "16 bytes to 1 MiB"),
  };
}

/** `z` is the x-coordinate of the shared point (SEC1 ECDH), 32 bytes. */
function deriveKey(z: Uint8Array, ephemeralPoint: Uint8Array, recipientPoint: Uint8Array): Uint8Array {
  return hkdfSha256(z, concatBytes(ephemeralPoint, recipientPoint), ENVELOPE_INFO, 32);
}

async function aesGcm(op: "encrypt" | "decrypt", key: Uint8Array, nonce: Uint8Array, data: Uint8Array) {
  const k = await crypto.subtle.importKey("raw", asBufferSource(key), "AES-GCM", false, [op]);
  key.fill(0);
  const params = { name: "AES-GCM", iv: asBufferSource(nonce), tagLength: 128 };
  try {
    const out =
      op === "encrypt"
        ? crypto.subtle.encrypt(params, k, asBufferSource(data))
        : crypto.subtle.decrypt(params, k, asBufferSource(data));
    return new Uint8Array(await out);
  } catch {
    throw new VerificationError(
      "envelope_invalid",
      "envelope: authentication failed, ciphertext or key mismatch",
      {
        field: "envelope.ciphertext",
      },
    );
  }
}

function requireP256(key: CryptoKey): void {
  const curve = curveOf(key);
  if (curve !== "P-256") {
    throw new ParseError("unsupported_key", `envelope key: expected p-256, got ${curve}`, { field: "key" });
  }
}
