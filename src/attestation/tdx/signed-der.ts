// Strict DER for Intel's signed X.509 objects (certificates, CRLs): canonical encoding, ecdsa-with-SHA256 only,
// and a strictly decoded ECDSA-Sig-Value, so no re-encoded variant of a signed object is ever accepted.

import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate, CertificateList } from "@peculiar/asn1-x509";
import { constantTimeEqual } from "../../common/bytes.ts";
import type { ParseCode } from "../../common/codes.ts";
import { ParseError } from "../../common/errors.ts";

const ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";

/** The bytes an issuer signed and its signature as 64-byte r‖s. */
export interface SignedParts {
  readonly tbs: Uint8Array;
  readonly signature: Uint8Array;
}

/** Decodes DER `SEQUENCE { INTEGER r, INTEGER s }` (RFC 3279 §2.2.3) strictly; null when not canonical. */
export function decodeEcdsaSignature(der: Uint8Array, size = 32): Uint8Array | null {
  if (der.length < 8 || der[0] !== 0x30 || der[1]! >= 0x80 || der[1]! + 2 !== der.length) return null;
  const out = new Uint8Array(2 * size);
  let at = 2;
  for (let k = 0; k < 2; k++) {
    const len = der[at + 1] ?? 0;
    if (der[at] !== 0x02 || len === 0 || len > size + 1 || at + 2 + len > der.length) return null;
    let v = der.subarray(at + 2, at + 2 + len);
    if ((v[0]! & 0x80) !== 0) return null;
    if (v[0] === 0 && (len === 1 || (v[1]! & 0x80) === 0)) return null;
    if (v[0] === 0) v = v.subarray(1);
    if (v.length > size) return null;
    out.set(v, (k + 1) * size - v.length);
    at += 2 + len;
  }
  return at === der.length ? out : null;
}

function parseCanonical<T extends Certificate | CertificateList>(
  der: Uint8Array,
  type: new () => T,
  code: ParseCode,
  field: string,
): T {
  let parsed: T;
  let reencoded: Uint8Array;
  try {
    parsed = AsnConvert.parse(der, type);
    reencoded = new Uint8Array(AsnConvert.serialize(parsed));
  } catch {
    throw new ParseError(code, `${field}: expected DER, got malformed ASN.1`, { field });
  }
  if (!constantTimeEqual(reencoded, der)) {
    throw new ParseError(code, `${field}: expected canonical DER, got a non-canonical encoding`, { field });
  }
  return parsed;
}

function checkAlgorithm(outer: string, inner: string, code: ParseCode, field: string): void {
  if (outer !== ECDSA_WITH_SHA256 || inner !== outer) {
    throw new ParseError(
      code,
      `${field}: expected ecdsa-with-SHA256 (${ECDSA_WITH_SHA256}), got ${outer}/${inner}`,
      {
        field,
      },
    );
  }
}

function signatureOf(value: ArrayBuffer, code: ParseCode, field: string): Uint8Array {
  const sig = decodeEcdsaSignature(new Uint8Array(value));
  if (sig === null)
    throw new ParseError(code, `${field}: expected a DER ECDSA P-256 signature value`, { field });
  return sig;
}

/** Splits a certificate into its TBS bytes and r‖s signature (ParseError `tdx_bad_certificate`). */
export function splitSignedCertificate(der: Uint8Array, field: string): SignedParts {
  const code = "tdx_bad_certificate";
  const c = parseCanonical(der, Certificate, code, field);
  checkAlgorithm(c.signatureAlgorithm.algorithm, c.tbsCertificate.signature.algorithm, code, field);
  return {
    tbs: new Uint8Array(AsnConvert.serialize(c.tbsCertificate)),
    signature: signatureOf(c.signatureValue, code, field),
  };
}

/** Splits a CRL into its TBS bytes and r‖s signature (ParseError `tdx_bad_crl`). */
export function splitSignedCrl(der: Uint8Array, field: string): SignedParts {
  const code = "tdx_bad_crl";
  const c = parseCanonical(der, CertificateList, code, field);
  checkAlgorithm(c.signatureAlgorithm.algorithm, c.tbsCertList.signature.algorithm, code, field);
  return {
    tbs: new Uint8Array(AsnConvert.serialize(c.tbsCertList)),
    signature: signatureOf(c.signature, code, field),
  };
}
