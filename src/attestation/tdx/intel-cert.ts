// Parses and checks Intel SGX PKI certificates (PCK chain, TCB-signing chain): P-256, ECDSA-SHA256, names, CA flags.

import { BasicConstraintsExtension, X509Certificate } from "@peculiar/x509";
import { constantTimeEqual } from "../../common/bytes.ts";
import { ParseError, VerificationError } from "../../common/errors.ts";
import { importP256Spki, verifyP256 } from "./ecdsa.ts";
import { INTEL_SGX_ROOT_CA_PEM } from "./intel-root-ca.ts";
import { splitPemCertificates } from "./pem.ts";
import { type SignedParts, splitSignedCertificate } from "./signed-der.ts";

/** A certificate with its P-256 key imported once, so cached chains cost no further parsing. */
export interface IntelCert {
  readonly cert: X509Certificate;
  readonly der: Uint8Array;
  readonly key: CryptoKey;
  readonly commonName: string;
  /** TBS bytes and r‖s signature, decoded strictly (signed-der.ts). */
  readonly signed: SignedParts;
}

export async function parseIntelCert(der: Uint8Array, field: string): Promise<IntelCert> {
  const signed = splitSignedCertificate(der, field);
  let cert: X509Certificate;
  let commonName: string;
  let spki: ArrayBuffer;
  try {
    cert = new X509Certificate(der);
    commonName = cert.subjectName.getField("CN")[0] ?? "";
    spki = cert.publicKey.rawData;
    void [cert.notBefore, cert.notAfter, cert.issuer, cert.subject, cert.serialNumber];
  } catch {
    throw new ParseError(
      "tdx_bad_certificate",
      `${field}: expected an X.509 certificate, got malformed fields`,
      { field },
    );
  }
  const key = await importP256Spki(spki);
  if (key === null) {
    throw new ParseError("tdx_bad_certificate", `${field}: expected a P-256 public key`, { field });
  }
  return { cert, der: der.slice(), key, commonName, signed };
}

export async function parseIntelCertChain(pem: string, field: string, count: number): Promise<IntelCert[]> {
  const ders = splitPemCertificates(pem, field);
  if (ders.length !== count) {
    throw new ParseError(
      "tdx_bad_chain_length",
      `${field}: expected ${count} certificates, got ${ders.length}`,
      {
        field,
      },
    );
  }
  const out: IntelCert[] = [];
  for (const [i, der] of ders.entries()) out.push(await parseIntelCert(der, `${field}[${i}]`));
  return out;
}

let pinnedRoot: Promise<IntelCert> | undefined;

/** The embedded Intel SGX Root CA, parsed once per process. */
export function loadIntelRoot(): Promise<IntelCert> {
  pinnedRoot ??= parseIntelCert(splitPemCertificates(INTEL_SGX_ROOT_CA_PEM, "intelRoot")[0]!, "intelRoot");
  return pinnedRoot;
}

function isCa(c: IntelCert): boolean {
  try {
    return c.cert.getExtension(BasicConstraintsExtension)?.ca === true;
  } catch {
    return false;
  }
}

function chainError(field: string, message: string): VerificationError {
  return new VerificationError("tdx_chain_invalid", `${field}: ${message}`, { field });
}

/**
 * Checks `chain` = [leaf, …, root] (google/go-tdx-guest verify, as Intel's QVL): expected CNs, issuer DN == parent subject DN,
 * CA flags (only the first may be an end entity, unless `firstIsCa`), every signature, and a root
 * byte-identical to `trustedRoot`. Time is checked separately.
 */
export async function verifyIntelChain(
  chain: readonly IntelCert[],
  expectedNames: readonly (readonly string[])[],
  trustedRoot: IntelCert,
  field: string,
  firstIsCa = false,
): Promise<void> {
  const root = chain[chain.length - 1]!;
  if (!constantTimeEqual(root.der, trustedRoot.der)) {
    throw new VerificationError(
      "tdx_untrusted_root",
      `${field}: expected the pinned Intel SGX Root CA as root`,
      {
        field,
      },
    );
  }
  for (const [i, c] of chain.entries()) {
    const names = expectedNames[i] ?? [];
    if (!names.includes(c.commonName)) {
      throw chainError(
        field,
        `cert ${i} common name: expected ${names.join(" or ")}, got ${JSON.stringify(c.commonName)}`,
      );
    }
    const wantCa = i > 0 || firstIsCa;
    if (isCa(c) !== wantCa) throw chainError(field, `cert ${i}: expected ca=${wantCa}`);
    const parent = chain[i + 1];
    if (parent === undefined) continue;
    if (c.cert.issuer !== parent.cert.subject) {
      throw chainError(
        field,
        `cert ${i} issuer: expected ${JSON.stringify(parent.cert.subject)}, got ${JSON.stringify(c.cert.issuer)}`,
      );
    }
    if (!(await verifyCertSignature(c, parent)))
      throw chainError(field, `cert ${i}: signature by cert ${i + 1} invalid`);
  }
}

function verifyCertSignature(child: IntelCert, parent: IntelCert): Promise<boolean> {
  return verifyP256(parent.key, child.signed.signature, child.signed.tbs);
}

/** Throws `tdx_cert_expired` unless every certificate is within its validity period at `now`. */
export function checkValidity(chain: readonly IntelCert[], now: Date, field: string): void {
  for (const [i, c] of chain.entries()) {
    if (now < c.cert.notBefore || now > c.cert.notAfter) {
      throw new VerificationError(
        "tdx_cert_expired",
        `${field}[${i}] (${c.commonName}): expected validity ${c.cert.notBefore.toISOString()} … ${c.cert.notAfter.toISOString()} to include ${now.toISOString()}`,
        { field },
      );
    }
  }
}
