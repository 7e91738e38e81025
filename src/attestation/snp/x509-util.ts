// Certificate helpers for the SNP verifier: PEM/DER input to @peculiar/x509 objects with ParseError, names, fingerprints.

import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate } from "@peculiar/asn1-x509";
import * as x509 from "@peculiar/x509";
import { sha256Hex } from "../../common/digest.ts";
import { ParseError } from "../../common/errors.ts";
import { decodePemDers } from "../../crypto/pem.ts";

/** Upper bound for one certificate or CRL; AMD certs are ~1.4 KB (leaf) and ~1.7 KB (ARK/ASK). */
export const MAX_DER_SIZE = 64 * 1024;

/** Accepts DER bytes or PEM text bytes of exactly one certificate. */
export function toDer(input: Uint8Array, field: string): Uint8Array {
  if (!(input instanceof Uint8Array) || input.length === 0 || input.length > MAX_DER_SIZE) {
    const got = input instanceof Uint8Array ? `${input.length} bytes` : typeof input;
    throw new ParseError(
      "snp_cert_invalid",
      `${field}: expected 1..${MAX_DER_SIZE} bytes of der or pem, got ${got}`,
      {
        field,
      },
    );
  }
  if (input[0] === 0x30) return input;
  const blocks = decodePemDers(new TextDecoder().decode(input), "CERTIFICATE", field);
  if (blocks.length !== 1) {
    throw new ParseError(
      "snp_cert_invalid",
      `${field}: expected one der or pem certificate, got ${blocks.length} pem blocks`,
      {
        field,
      },
    );
  }
  return blocks[0]!;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

const parsed = new Map<string, x509.X509Certificate>();
const MAX_PARSED = 64;

/**
 * Parses one certificate and requires its canonical DER encoding, with an outer signatureAlgorithm equal to the
 * signed one (RFC 5280 §4.1.1.2): BER variants and unsigned-field malleations a lenient parser accepts are refused.
 * The ASN.1 is parsed once and re-encoded once (what the canonical check needs is what the certificate object
 * keeps), and certificates are cached by SHA-256 of their DER, so the leaf the CLI reads to pick the product and the
 * one the verifier checks are parsed once.
 */
export function parseCertificate(input: Uint8Array, field: string): x509.X509Certificate {
  const der = toDer(input, field);
  const key = sha256Hex(der);
  const hit = parsed.get(key);
  if (hit !== undefined) return hit;
  let cert: x509.X509Certificate | undefined;
  try {
    const asn = AsnConvert.parse(der, Certificate);
    const c = new x509.X509Certificate(asn);
    const outer = new Uint8Array(AsnConvert.serialize(asn.signatureAlgorithm));
    const inner = new Uint8Array(AsnConvert.serialize(asn.tbsCertificate.signature));
    if (equalBytes(new Uint8Array(c.rawData), der) && equalBytes(outer, inner)) cert = c;
  } catch {
    cert = undefined;
  }
  if (cert === undefined) {
    throw new ParseError("snp_cert_invalid", `${field}: expected a canonical der x.509 certificate`, {
      field,
    });
  }
  try {
    // Touch the lazily decoded parts now so malformed input fails here, not in the middle of verification.
    void cert.subject;
    void cert.issuer;
    void cert.notBefore;
    void cert.notAfter;
    void cert.extensions;
    void cert.signatureAlgorithm;
    void cert.serialNumber;
  } catch (e) {
    throw new ParseError("snp_cert_invalid", `${field}: expected an x.509 certificate, got undecodable der`, {
      field,
      cause: e,
    });
  }
  if (parsed.size >= MAX_PARSED) parsed.delete(parsed.keys().next().value as string);
  parsed.set(key, cert);
  return cert;
}

/**
 * A certificate compiled into this binary (the embedded AMD roots): its canonical form was checked when it was
 * embedded (chain.test.ts runs parseCertificate on every one), so it is parsed without the re-encoding.
 */
export function parseEmbeddedCertificate(der: Uint8Array, field: string): x509.X509Certificate {
  try {
    return new x509.X509Certificate(der);
  } catch (e) {
    throw new ParseError("snp_cert_invalid", `${field}: expected an x.509 certificate, got undecodable der`, {
      field,
      cause: e,
    });
  }
}

/** The signed TBSCertificate bytes: the first element of the certificate SEQUENCE (DER as parseCertificate checked). */
export function tbsCertificate(der: Uint8Array): Uint8Array {
  const [, inner] = derHeader(der, 0);
  const [tag, , end] = derHeader(der, inner);
  if (tag !== 0x30)
    throw new ParseError("snp_cert_invalid", "certificate: expected a tbsCertificate sequence");
  return der.subarray(inner, end);
}

/** Tag, start of contents and end of the TLV at `at` (definite lengths up to 4 octets). */
function derHeader(der: Uint8Array, at: number): [number, number, number] {
  const tag = der[at] as number;
  let len = der[at + 1] as number;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4)
      throw new ParseError("snp_cert_invalid", "certificate: expected a definite der length");
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (der[start + i] as number);
    start += n;
  }
  if (start + len > der.length)
    throw new ParseError("snp_cert_invalid", "certificate: der length past the end");
  return [tag, start, start + len];
}

export function commonName(name: x509.Name): string | undefined {
  const cns = name.getField("CN");
  return cns.length === 1 ? cns[0] : undefined;
}
