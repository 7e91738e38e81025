// RSA seed-share owner keys (RSA-OAEP SHA-256): generate, PKCS#1/PKCS#8 PEM, PKCS#1 public key DER.

import { ParseError } from "../common/errors.ts";
import { asBufferSource } from "./buffer-source.ts";
import {
  encodePrivateKeyInfo,
  encodeSpki,
  expectKeyAlgorithm,
  OID_RSA_ENCRYPTION,
  parsePrivateKeyInfo,
  parseSpki,
} from "./key-der.ts";
import { decodePem, encodePem } from "./pem.ts";

export interface RsaKeyPair {
  /** RSA-OAEP (SHA-256) decryption key, extractable. */
  readonly privateKey: CryptoKey;
  /** RSA-OAEP (SHA-256) encryption key. */
  readonly publicKey: CryptoKey;
}

const OAEP = { name: "RSA-OAEP", hash: "SHA-256" } as const;
/** Smaller moduli are refused on import: a seed share protects the whole deployment. */
export const MIN_RSA_BITS = 2048;

export async function generateRsaKeyPair(bits = 4096): Promise<RsaKeyPair> {
  const kp = await crypto.subtle.generateKey(
    { ...OAEP, modulusLength: bits, publicExponent: new Uint8Array([1, 0, 1]) },
    true,
    ["encrypt", "decrypt"],
  );
  return { privateKey: kp.privateKey, publicKey: kp.publicKey };
}

/** `RSA PRIVATE KEY` PEM (PKCS#1 RSAPrivateKey, what Go's x509.MarshalPKCS1PrivateKey writes). */
export async function exportRsaPrivateKeyPem(kp: RsaKeyPair): Promise<string> {
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", kp.privateKey));
  return encodePem("RSA PRIVATE KEY", parsePrivateKeyInfo(pkcs8, "private key").privateKey);
}

/** Imports `RSA PRIVATE KEY` (PKCS#1) or `PRIVATE KEY` (PKCS#8) PEM for RSA-OAEP decryption. */
export async function importRsaPrivateKeyPem(pem: string, field = "private key"): Promise<RsaKeyPair> {
  const block = decodePem(pem, ["RSA PRIVATE KEY", "PRIVATE KEY"], field);
  let pkcs8 = block.der;
  if (block.label === "PRIVATE KEY") {
    const info = parsePrivateKeyInfo(block.der, field);
    expectKeyAlgorithm(info.algorithm, OID_RSA_ENCRYPTION, "rsa key", field);
  } else {
    pkcs8 = encodePrivateKeyInfo(OID_RSA_ENCRYPTION, "null", block.der);
  }
  let privateKey: CryptoKey;
  try {
    privateKey = await crypto.subtle.importKey("pkcs8", asBufferSource(pkcs8), OAEP, true, ["decrypt"]);
  } catch {
    throw new ParseError("invalid_key", `${field}: expected a valid rsa private key`, { field });
  }
  const jwk = await crypto.subtle.exportKey("jwk", privateKey);
  const publicKey = await crypto.subtle.importKey(
    "jwk",
    { kty: "RSA", n: jwk.n, e: jwk.e, ext: true },
    OAEP,
    true,
    ["encrypt"],
  );
  checkModulus(publicKey, field);
  return { privateKey, publicKey };
}

/** PKCS#1 RSAPublicKey DER: the form the manifest lists in `SeedshareOwnerPubKeys` (hex). */
export async function exportRsaPublicKeyPkcs1(publicKey: CryptoKey): Promise<Uint8Array> {
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", publicKey));
  return parseSpki(spki, "public key").publicKey;
}

/** Imports a PKCS#1 RSAPublicKey DER for RSA-OAEP (SHA-256) encryption. */
export async function importRsaPublicKeyPkcs1(pkcs1: Uint8Array, field = "public key"): Promise<CryptoKey> {
  let key: CryptoKey;
  try {
    const spki = encodeSpki(OID_RSA_ENCRYPTION, "null", pkcs1);
    key = await crypto.subtle.importKey("spki", asBufferSource(spki), OAEP, true, ["encrypt"]);
  } catch {
    throw new ParseError("invalid_key", `${field}: expected pkcs#1 rsa public key der`, { field });
  }
  checkModulus(key, field);
  return key;
}

/** Imports a `PUBLIC KEY` (SPKI) or `RSA PUBLIC KEY` (PKCS#1) PEM. */
export async function importRsaPublicKeyPem(pem: string, field = "public key"): Promise<CryptoKey> {
  const block = decodePem(pem, ["PUBLIC KEY", "RSA PUBLIC KEY"], field);
  if (block.label === "RSA PUBLIC KEY") return importRsaPublicKeyPkcs1(block.der, field);
  const info = parseSpki(block.der, field);
  expectKeyAlgorithm(info.algorithm, OID_RSA_ENCRYPTION, "rsa key", field);
  return importRsaPublicKeyPkcs1(info.publicKey, field);
}

function checkModulus(key: CryptoKey, field: string): void {
  const bits = (key.algorithm as { modulusLength?: number }).modulusLength ?? 0;
  if (bits < MIN_RSA_BITS) {
    throw new ParseError(
      "weak_key",
      `${field}: expected rsa modulus of at least ${MIN_RSA_BITS} bits, got ${bits}`,
      {
        field,
      },
    );
  }
}
