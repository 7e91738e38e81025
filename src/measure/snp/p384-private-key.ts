// Reads a P-384 private key (SEC1 "EC PRIVATE KEY" or PKCS#8 "PRIVATE KEY" PEM) for signing SNP ID blocks.

import { p384 } from "@noble/curves/nist.js";
import * as asn1js from "asn1js";
import { fromBase64 } from "../../common/bytes.ts";
import { ParseError } from "../../common/errors.ts";

const OID_EC_PUBLIC_KEY = "1.2.840.10045.2.1";
const OID_SECP384R1 = "1.3.132.0.34";
const SCALAR_SIZE = 48;

function fail(field: string, message: string): never {
  throw new ParseError("invalid_private_key", `${field}: ${message}`, { field });
}

function decodePem(pem: string, field: string): { label: string; der: Uint8Array } {
  const m = /-----BEGIN ([A-Z ]+)-----([\s\S]*?)-----END \1-----/.exec(pem);
  if (!m) fail(field, "expected a PEM block, got none");
  return { label: m[1]!, der: fromBase64(m[2]!.replace(/\s+/g, ""), field) };
}

function parseDer(der: Uint8Array, field: string): asn1js.AsnType {
  const parsed = asn1js.fromBER(der);
  if (parsed.offset === -1 || parsed.offset !== der.length) fail(field, "expected one DER structure");
  return parsed.result;
}

function children(node: asn1js.AsnType, field: string): asn1js.AsnType[] {
  if (!(node instanceof asn1js.Sequence)) fail(field, "expected an ASN.1 SEQUENCE");
  return node.valueBlock.value;
}

/** SEC1 ECPrivateKey { version 1, privateKey OCTET STRING, [0] curve OID?, [1] publicKey? }. */
function readSec1(der: Uint8Array, field: string): Uint8Array {
  const items = children(parseDer(der, field), field);
  const [version, key] = items;
  if (!(version instanceof asn1js.Integer) || version.valueBlock.valueDec !== 1)
    fail(field, "expected ECPrivateKey version 1");
  if (!(key instanceof asn1js.OctetString)) fail(field, "expected the private key OCTET STRING");
  for (const item of items.slice(2)) {
    if (item.idBlock.tagClass !== 3 || item.idBlock.tagNumber !== 0) continue;
    const inner = item instanceof asn1js.Constructed ? item.valueBlock.value[0] : undefined;
    const curve = inner instanceof asn1js.ObjectIdentifier ? inner.valueBlock.toString() : "?";
    if (curve !== OID_SECP384R1) fail(field, `expected curve secp384r1 (${OID_SECP384R1}), got ${curve}`);
  }
  return new Uint8Array(key.valueBlock.valueHexView);
}

/** PKCS#8 PrivateKeyInfo { version, { id-ecPublicKey, secp384r1 }, OCTET STRING (SEC1) }. */
function readPkcs8(der: Uint8Array, field: string): Uint8Array {
  const [, algorithm, key] = children(parseDer(der, field), field);
  const [oid, curve] = algorithm === undefined ? [] : children(algorithm, field);
  const oidText = oid instanceof asn1js.ObjectIdentifier ? oid.valueBlock.toString() : "?";
  const curveText = curve instanceof asn1js.ObjectIdentifier ? curve.valueBlock.toString() : "?";
  if (oidText !== OID_EC_PUBLIC_KEY || curveText !== OID_SECP384R1) {
    fail(
      field,
      `expected an EC P-384 key (${OID_EC_PUBLIC_KEY}, ${OID_SECP384R1}), got ${oidText}, ${curveText}`,
    );
  }
  if (!(key instanceof asn1js.OctetString)) fail(field, "expected the private key OCTET STRING");
  return readSec1(new Uint8Array(key.valueBlock.valueHexView), field);
}

/** Returns the 48-byte big-endian private scalar; rejects other curves and out-of-range scalars. */
export function parseP384PrivateKeyPem(pem: string, field = "key"): Uint8Array {
  const { label, der } = decodePem(pem, field);
  let d: Uint8Array;
  if (label === "EC PRIVATE KEY") d = readSec1(der, field);
  else if (label === "PRIVATE KEY") d = readPkcs8(der, field);
  else fail(field, `expected "EC PRIVATE KEY" or "PRIVATE KEY", got "${label}"`);
  if (d.length === 0 || d.length > SCALAR_SIZE)
    fail(field, `expected a scalar of at most ${SCALAR_SIZE} bytes, got ${d.length}`);
  const scalar = new Uint8Array(SCALAR_SIZE);
  scalar.set(d, SCALAR_SIZE - d.length);
  if (!p384.utils.isValidSecretKey(scalar)) fail(field, "expected a scalar in 1..n-1");
  return scalar;
}
