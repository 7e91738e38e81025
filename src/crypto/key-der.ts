// DER containers for keys: PKCS#8 PrivateKeyInfo (RFC 5208), SEC1 ECPrivateKey (RFC 5915), SPKI (RFC 5280 §4.1).

import * as asn1js from "asn1js";
import { ParseError } from "../common/errors.ts";
import {
  type AlgorithmId,
  decodeDer,
  encodeAlgorithmId,
  expectBitBytes,
  expectInteger,
  expectOctets,
  expectOid,
  expectSequence,
  explicit,
  findExplicit,
  parseAlgorithmId,
  toDer,
} from "./der.ts";

export const OID_EC_PUBLIC_KEY = "1.2.840.10045.2.1";
export const OID_RSA_ENCRYPTION = "1.2.840.113549.1.1.1";
export const OID_P256 = "1.2.840.10045.3.1.7";
export const OID_P384 = "1.3.132.0.34";

export interface PrivateKeyInfo {
  readonly algorithm: AlgorithmId;
  /** The algorithm-specific key: SEC1 ECPrivateKey or PKCS#1 RSAPrivateKey DER. */
  readonly privateKey: Uint8Array;
}

export function parsePrivateKeyInfo(der: Uint8Array, field: string): PrivateKeyInfo {
  const items = expectSequence(decodeDer(der, field), field);
  const version = expectInteger(items[0], `${field}.version`);
  if (version !== 0n && version !== 1n) {
    throw new ParseError("invalid_key", `${field}.version: expected 0 or 1, got ${version}`, { field });
  }
  return {
    algorithm: parseAlgorithmId(items[1], `${field}.privateKeyAlgorithm`),
    privateKey: expectOctets(items[2], `${field}.privateKey`),
  };
}

export function encodePrivateKeyInfo(
  algOid: string,
  param: string | "null",
  privateKey: Uint8Array,
): Uint8Array {
  return toDer(
    new asn1js.Sequence({
      value: [
        new asn1js.Integer({ value: 0 }),
        encodeAlgorithmId(algOid, param),
        new asn1js.OctetString({ valueHex: privateKey }),
      ],
    }),
  );
}

export interface Sec1PrivateKey {
  readonly d: Uint8Array;
  readonly curveOid: string | undefined;
  readonly publicKey: Uint8Array | undefined;
}

/** RFC 5915 §3: ECPrivateKey ::= SEQUENCE { version 1, privateKey OCTET STRING, [0] parameters, [1] publicKey }. */
export function parseSec1PrivateKey(der: Uint8Array, field: string): Sec1PrivateKey {
  const items = expectSequence(decodeDer(der, field), field);
  const version = expectInteger(items[0], `${field}.version`);
  if (version !== 1n)
    throw new ParseError("invalid_key", `${field}.version: expected 1, got ${version}`, { field });
  const params = findExplicit(items, 0);
  const pub = findExplicit(items, 1);
  return {
    d: expectOctets(items[1], `${field}.privateKey`),
    curveOid: params === undefined ? undefined : expectOid(params, `${field}.parameters`),
    publicKey: pub === undefined ? undefined : expectBitBytes(pub, `${field}.publicKey`),
  };
}

export function encodeSec1PrivateKey(d: Uint8Array, curveOid: string, publicKey: Uint8Array): Uint8Array {
  return toDer(
    new asn1js.Sequence({
      value: [
        new asn1js.Integer({ value: 1 }),
        new asn1js.OctetString({ valueHex: d }),
        explicit(0, new asn1js.ObjectIdentifier({ value: curveOid })),
        explicit(1, new asn1js.BitString({ valueHex: publicKey })),
      ],
    }),
  );
}

export interface SubjectPublicKeyInfo {
  readonly algorithm: AlgorithmId;
  readonly publicKey: Uint8Array;
}

export function parseSpki(der: Uint8Array, field: string): SubjectPublicKeyInfo {
  const items = expectSequence(decodeDer(der, field), field);
  if (items.length !== 2) {
    throw new ParseError("invalid_der", `${field}: expected 2 elements, got ${items.length}`, { field });
  }
  return {
    algorithm: parseAlgorithmId(items[0], `${field}.algorithm`),
    publicKey: expectBitBytes(items[1], `${field}.subjectPublicKey`),
  };
}

export function encodeSpki(algOid: string, param: string | "null", publicKey: Uint8Array): Uint8Array {
  return toDer(
    new asn1js.Sequence({
      value: [encodeAlgorithmId(algOid, param), new asn1js.BitString({ valueHex: publicKey })],
    }),
  );
}

/** Refuses a key whose algorithm is not `oid` with `unsupported_key`, saying what was expected ("ec key"). */
export function expectKeyAlgorithm(
  algorithm: AlgorithmId,
  oid: string,
  expected: string,
  field: string,
): void {
  if (algorithm.oid !== oid) {
    throw new ParseError(
      "unsupported_key",
      `${field}: expected ${expected}, got algorithm ${algorithm.oid}`,
      {
        field,
      },
    );
  }
}
