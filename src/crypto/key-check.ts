// Synchronous structural checks of public key DER (for manifest validation, before any WebCrypto import).

import { p256, p384 } from "@noble/curves/nist.js";
import { ParseError } from "../common/errors.ts";
import { decodeDer, expectInteger, expectSequence } from "./der.ts";
import { expectKeyAlgorithm, OID_EC_PUBLIC_KEY, OID_P256, OID_P384, parseSpki } from "./key-der.ts";
import type { EcCurve } from "./keys.ts";
import { MIN_RSA_BITS } from "./rsa-keys.ts";

/** Checks PKIX DER of an ECDSA P-256/P-384 public key (algorithm, curve, point on curve); returns the curve. */
export function checkEcPublicKeySpki(der: Uint8Array, field: string): EcCurve {
  const info = parseSpki(der, field);
  expectKeyAlgorithm(info.algorithm, OID_EC_PUBLIC_KEY, "ec public key", field);
  const curve =
    info.algorithm.paramOid === OID_P256
      ? "P-256"
      : info.algorithm.paramOid === OID_P384
        ? "P-384"
        : undefined;
  if (curve === undefined) {
    throw new ParseError(
      "unsupported_key",
      `${field}: expected curve p-256 or p-384, got ${info.algorithm.paramOid}`,
      {
        field,
      },
    );
  }
  try {
    (curve === "P-256" ? p256 : p384).Point.fromBytes(info.publicKey).assertValidity();
  } catch {
    throw new ParseError("invalid_key", `${field}: expected a valid ${curve} point`, { field });
  }
  return curve;
}

/** Checks PKCS#1 RSAPublicKey DER ::= SEQUENCE { modulus, publicExponent }; returns the modulus size in bits. */
export function checkRsaPublicKeyPkcs1(der: Uint8Array, field: string): number {
  const items = expectSequence(decodeDer(der, field), field);
  if (items.length !== 2) {
    throw new ParseError(
      "invalid_key",
      `${field}: expected rsa public key (2 integers), got ${items.length} elements`,
      {
        field,
      },
    );
  }
  const n = expectInteger(items[0], `${field}.modulus`);
  const e = expectInteger(items[1], `${field}.publicExponent`);
  const bits = n > 0n ? n.toString(2).length : 0;
  if (bits < MIN_RSA_BITS) {
    throw new ParseError(
      "weak_key",
      `${field}: expected rsa modulus of at least ${MIN_RSA_BITS} bits, got ${bits}`,
      {
        field,
      },
    );
  }
  if (e < 3n || e % 2n === 0n) {
    throw new ParseError("invalid_key", `${field}: expected odd public exponent ≥ 3, got ${e}`, { field });
  }
  return bits;
}
