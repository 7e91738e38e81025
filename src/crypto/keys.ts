// ECDSA P-256/P-384 key pairs as WebCrypto keys: generate, derive from a scalar, PEM/DER import and export.

import { p256, p384 } from "@noble/curves/nist.js";
import { constantTimeEqual, fromBase64, fromHex, toBase64 } from "../common/bytes.ts";
import { ParseError } from "../common/errors.ts";
import { asBufferSource } from "./buffer-source.ts";
import {
  encodePrivateKeyInfo,
  encodeSec1PrivateKey,
  expectKeyAlgorithm,
  OID_EC_PUBLIC_KEY,
  OID_P256,
  OID_P384,
  parsePrivateKeyInfo,
  parseSec1PrivateKey,
  parseSpki,
} from "./key-der.ts";
import { decodePem, encodePem } from "./pem.ts";

export type EcCurve = "P-256" | "P-384";

/** A private/public ECDSA pair; both keys are extractable so they can be written as PEM. */
export interface EcKeyPair {
  readonly curve: EcCurve;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
}

const CURVES: Record<EcCurve, { oid: string; noble: typeof p256; size: number }> = {
  "P-256": { oid: OID_P256, noble: p256, size: 32 },
  "P-384": { oid: OID_P384, noble: p384, size: 48 },
};

export async function generateEcKeyPair(curve: EcCurve): Promise<EcKeyPair> {
  const kp = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: curve }, true, ["sign", "verify"]);
  return { curve, privateKey: kp.privateKey, publicKey: kp.publicKey };
}

/** The curve of an ECDSA CryptoKey; throws for anything else. */
export function curveOf(key: CryptoKey): EcCurve {
  const alg = key.algorithm as { name: string; namedCurve?: string };
  if (alg.name === "ECDSA" && (alg.namedCurve === "P-256" || alg.namedCurve === "P-384"))
    return alg.namedCurve;
  throw new ParseError("unsupported_key", `key: expected ecdsa p-256 or p-384, got ${alg.name}`, {
    field: "key",
  });
}

/** The uncompressed public point (0x04 ‖ X ‖ Y) of private scalar `d` (big-endian, curve size). */
export function ecPublicPointOfScalar(curve: EcCurve, d: Uint8Array): Uint8Array {
  const c = CURVES[curve];
  if (d.length !== c.size) {
    throw new ParseError(
      "invalid_key",
      `private key: expected ${c.size} bytes for ${curve}, got ${d.length}`,
    );
  }
  try {
    return c.noble.getPublicKey(d, false);
  } catch {
    throw new ParseError("invalid_key", `private key: expected scalar in [1, n-1] for ${curve}`);
  }
}

/** Whether `point` is an uncompressed or compressed point on `curve`. */
export function isEcPoint(curve: EcCurve, point: Uint8Array): boolean {
  try {
    CURVES[curve].noble.Point.fromBytes(point).assertValidity();
    return true;
  } catch {
    return false;
  }
}

/** Builds the key pair for private scalar `d` (big-endian, curve size), e.g. from det-keygen. */
export async function ecKeyPairFromScalar(curve: EcCurve, d: Uint8Array): Promise<EcKeyPair> {
  const c = CURVES[curve];
  const point = ecPublicPointOfScalar(curve, d);
  const x = toBase64Url(point.subarray(1, 1 + c.size));
  const y = toBase64Url(point.subarray(1 + c.size));
  const base = { kty: "EC", crv: curve, x, y, ext: true };
  const algo = { name: "ECDSA", namedCurve: curve };
  const privateKey = await crypto.subtle.importKey("jwk", { ...base, d: toBase64Url(d) }, algo, true, [
    "sign",
  ]);
  const publicKey = await crypto.subtle.importKey("jwk", base, algo, true, ["verify"]);
  return { curve, privateKey, publicKey };
}

/** The private scalar d of an extractable key (big-endian, curve size). Never log it. */
export async function exportEcPrivateScalar(privateKey: CryptoKey): Promise<Uint8Array> {
  const jwk = await crypto.subtle.exportKey("jwk", privateKey);
  if (jwk.d === undefined) throw new ParseError("invalid_key", "private key: expected an ec private key");
  return fromBase64Url(jwk.d);
}

/** The uncompressed SEC1 point (0x04 ‖ X ‖ Y) of an ECDSA public key. */
export async function exportEcPublicPoint(publicKey: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.exportKey("raw", publicKey));
}

/** Imports `EC PRIVATE KEY` (SEC1) or `PRIVATE KEY` (PKCS#8) PEM holding a P-256 or P-384 key. */
export async function importEcPrivateKeyPem(pem: string, field = "private key"): Promise<EcKeyPair> {
  const { curve, d } = parseEcPrivateKeyPem(pem, field);
  return ecKeyPairFromScalar(curve, d);
}

/**
 * The curve and private scalar (big-endian, curve size) of an `EC PRIVATE KEY` (SEC1, RFC 5915) or `PRIVATE KEY`
 * (PKCS#8, RFC 5208) PEM: the scalar is in [1, n-1] and a public key the PEM carries is the scalar's.
 */
export function parseEcPrivateKeyPem(pem: string, field = "private key"): { curve: EcCurve; d: Uint8Array } {
  const block = decodePem(pem, ["EC PRIVATE KEY", "PRIVATE KEY"], field);
  if (block.label === "EC PRIVATE KEY") return parseSec1(block.der, undefined, field);
  const info = parsePrivateKeyInfo(block.der, field);
  expectKeyAlgorithm(info.algorithm, OID_EC_PUBLIC_KEY, "ec key", field);
  return parseSec1(info.privateKey, info.algorithm.paramOid, field);
}

function parseSec1(
  der: Uint8Array,
  outerCurveOid: string | undefined,
  field: string,
): { curve: EcCurve; d: Uint8Array } {
  const sec1 = parseSec1PrivateKey(der, field);
  const curve = curveFromOid(sec1.curveOid ?? outerCurveOid, field);
  if (outerCurveOid !== undefined && sec1.curveOid !== undefined && outerCurveOid !== sec1.curveOid) {
    throw new ParseError("invalid_key", `${field}: curve parameters disagree`, { field });
  }
  const d = leftPad(sec1.d, CURVES[curve].size, field);
  const point = ecPublicPointOfScalar(curve, d);
  if (sec1.publicKey !== undefined && !constantTimeEqual(sec1.publicKey, point)) {
    throw new ParseError("invalid_key", `${field}: public key does not match private key`, { field });
  }
  return { curve, d };
}

/** PKCS#8 `PRIVATE KEY` PEM (what the Initializer writes as key.pem). */
export async function exportEcPrivateKeyPkcs8Pem(kp: EcKeyPair): Promise<string> {
  const d = await exportEcPrivateScalar(kp.privateKey);
  const sec1 = encodeSec1PrivateKey(d, CURVES[kp.curve].oid, await exportEcPublicPoint(kp.publicKey));
  return encodePem("PRIVATE KEY", encodePrivateKeyInfo(OID_EC_PUBLIC_KEY, CURVES[kp.curve].oid, sec1));
}

/** SEC1 `EC PRIVATE KEY` PEM (what Go's x509.MarshalECPrivateKey writes). */
export async function exportEcPrivateKeySec1Pem(kp: EcKeyPair): Promise<string> {
  const d = await exportEcPrivateScalar(kp.privateKey);
  return encodePem(
    "EC PRIVATE KEY",
    encodeSec1PrivateKey(d, CURVES[kp.curve].oid, await exportEcPublicPoint(kp.publicKey)),
  );
}

/** PKIX SubjectPublicKeyInfo DER of any public CryptoKey (ECDSA or RSA). */
export async function exportPublicKeySpki(publicKey: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.exportKey("spki", publicKey));
}

/** `PUBLIC KEY` PEM of a SubjectPublicKeyInfo. */
export function encodePublicKeyPem(spki: Uint8Array): string {
  return encodePem("PUBLIC KEY", spki);
}

// SubjectPublicKeyInfo DER up to the point, for uncompressed P-256 / P-384 keys (RFC 5480 §2): what every key in
// this system looks like, recognised without an ASN.1 parser on the Coordinator's admission path.
const UNCOMPRESSED_SPKI_PREFIX: Record<EcCurve, Uint8Array> = {
  "P-256": fromHex("3059301306072a8648ce3d020106082a8648ce3d030107034200", "spki prefix"),
  "P-384": fromHex("3076301006072a8648ce3d020106052b81040022036200", "spki prefix"),
};

function uncompressedSpkiCurve(spki: Uint8Array): EcCurve | undefined {
  for (const curve of ["P-256", "P-384"] as const) {
    const prefix = UNCOMPRESSED_SPKI_PREFIX[curve];
    if (spki.length !== prefix.length + 1 + 2 * CURVES[curve].size || spki[prefix.length] !== 0x04) continue;
    if (prefix.every((b, i) => spki[i] === b)) return curve;
  }
  return undefined;
}

/**
 * The curve and uncompressed point of an SPKI in the canonical form WebCrypto exports (what an export of the key
 * imported from it returns byte for byte); undefined for any other form. Does not check the point is on the curve.
 */
export function ecPointOfSpki(spki: Uint8Array): { curve: EcCurve; point: Uint8Array } | undefined {
  const curve = uncompressedSpkiCurve(spki);
  if (curve === undefined) return undefined;
  return { curve, point: spki.subarray(UNCOMPRESSED_SPKI_PREFIX[curve].length) };
}

/** Imports a P-256/P-384 ECDSA public key from PKIX DER, checking the algorithm and that the point is on the curve. */
export async function importEcPublicKeySpki(spki: Uint8Array, field = "public key"): Promise<CryptoKey> {
  const fast = uncompressedSpkiCurve(spki);
  // WebCrypto refuses a point that is not on the curve (tested in keys.test.ts), so no second check is needed.
  if (fast !== undefined) return importVerifyKey(spki, fast, field);
  const info = parseSpki(spki, field);
  expectKeyAlgorithm(info.algorithm, OID_EC_PUBLIC_KEY, "ec key", field);
  const curve = curveFromOid(info.algorithm.paramOid, field);
  return importVerifyKey(spki, curve, field, () =>
    CURVES[curve].noble.Point.fromBytes(info.publicKey).assertValidity(),
  );
}

/** The SPKI as a WebCrypto verify key on `curve` after `check`; either refusing the point is `invalid_key`. */
async function importVerifyKey(
  spki: Uint8Array,
  curve: EcCurve,
  field: string,
  check: () => void = () => {},
): Promise<CryptoKey> {
  try {
    check();
    return await crypto.subtle.importKey(
      "spki",
      asBufferSource(spki),
      { name: "ECDSA", namedCurve: curve },
      true,
      ["verify"],
    );
  } catch {
    throw new ParseError("invalid_key", `${field}: expected a valid ${curve} point`, { field });
  }
}

export async function importEcPublicKeyPem(pem: string, field = "public key"): Promise<CryptoKey> {
  return importEcPublicKeySpki(decodePem(pem, ["PUBLIC KEY"], field).der, field);
}

function curveFromOid(oid: string | undefined, field: string): EcCurve {
  if (oid === OID_P256) return "P-256";
  if (oid === OID_P384) return "P-384";
  throw new ParseError(
    "unsupported_key",
    `${field}: expected curve p-256 or p-384, got ${oid ?? "nothing"}`,
    { field },
  );
}

/** SEC1 says the private key octets are ceil(log2(n)/8) long; tolerate shorter encodings from old writers. */
function leftPad(d: Uint8Array, size: number, field: string): Uint8Array {
  if (d.length > size)
    throw new ParseError("invalid_key", `${field}: expected ${size}-byte private key, got ${d.length}`);
  const out = new Uint8Array(size);
  out.set(d, size - d.length);
  return out;
}

function toBase64Url(b: Uint8Array): string {
  return toBase64(b).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(s: string): Uint8Array {
  const std = s.replace(/-/g, "+").replace(/_/g, "/");
  return fromBase64(std + "=".repeat((4 - (std.length % 4)) % 4), "jwk");
}
