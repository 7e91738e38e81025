// Certificate helpers for the SNP verifier: PEM/DER input to @peculiar/x509 objects with ParseError, names, fingerprints.

import { createHash } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate } from "@peculiar/asn1-x509";
import * as x509 from "@peculiar/x509";
import { ParseError } from "../../common/errors.ts";

/** Upper bound for one certificate or CRL; AMD certs are ~1.4 KB (leaf) and ~1.7 KB (ARK/ASK). */
export const MAX_DER_SIZE = 64 * 1024;

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\s]*?)-----END \1-----/g;

/** Splits PEM text into the DER bodies of blocks with the given label (e.g. `CERTIFICATE`). */
export function splitPem(text: string, label = "CERTIFICATE"): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const m of text.matchAll(PEM_BLOCK)) {
    if (m[1] !== label) continue;
    out.push(new Uint8Array(Buffer.from((m[2] ?? "").replace(/\s+/g, ""), "base64")));
  }
  return out;
}

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
  const blocks = splitPem(new TextDecoder().decode(input));
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

/**
 * True when `der` is the canonical encoding of a certificate whose outer signatureAlgorithm equals the signed
 * one (RFC 5280 §4.1.1.2). Rejects BER variants and unsigned-field malleations that a lenient parser accepts.
 */
function isCanonicalCertificate(der: Uint8Array): boolean {
  const asn = AsnConvert.parse(der, Certificate);
  const again = new Uint8Array(AsnConvert.serialize(asn));
  const outer = new Uint8Array(AsnConvert.serialize(asn.signatureAlgorithm));
  const inner = new Uint8Array(AsnConvert.serialize(asn.tbsCertificate.signature));
  return equalBytes(again, der) && equalBytes(outer, inner);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

export function parseCertificate(input: Uint8Array, field: string): x509.X509Certificate {
  const der = toDer(input, field);
  let canonical = false;
  try {
    canonical = isCanonicalCertificate(der);
  } catch {
    canonical = false;
  }
  if (!canonical) {
    throw new ParseError("snp_cert_invalid", `${field}: expected a canonical der x.509 certificate`, {
      field,
    });
  }
  try {
    const cert = new x509.X509Certificate(der);
    // Touch the lazily decoded parts now so malformed input fails here, not in the middle of verification.
    void cert.subject;
    void cert.issuer;
    void cert.notBefore;
    void cert.notAfter;
    void cert.extensions;
    void cert.signatureAlgorithm;
    void cert.serialNumber;
    return cert;
  } catch (e) {
    throw new ParseError("snp_cert_invalid", `${field}: expected an x.509 certificate, got undecodable der`, {
      field,
      cause: e,
    });
  }
}

export function commonName(name: x509.Name): string | undefined {
  const cns = name.getField("CN");
  return cns.length === 1 ? cns[0] : undefined;
}

export function derOf(cert: x509.X509Certificate | x509.X509Crl): Uint8Array {
  return new Uint8Array(cert.rawData);
}

/** SHA-256 in hex; node:crypto (native) because it runs on every verification as a cache key. */
export function sha256Hex(der: Uint8Array): string {
  return createHash("sha256").update(der).digest("hex");
}

/** Normalised serial number for comparisons: lowercase hex without leading zeros ("0" for zero). */
export function normalizeSerial(hex: string): string {
  const s = hex.toLowerCase().replace(/^0+/, "");
  return s === "" ? "0" : s;
}
