// A constructed Intel-shaped PKI for revocation tests (no real PCK CRL lists a quote in the testdata): a test root
// "Intel SGX Root CA" → "Intel SGX PCK Platform CA" → "Intel SGX PCK Certificate" (P-256, ECDSA-SHA256), and the
// debug-TD quote re-signed under it: same header and body, a new attestation key, the QE report re-bound and signed
// by the new PCK key, the new chain in the certification data (layout: Intel TDX DCAP Quoting Library API, quote v4).

import { sha256 } from "@noble/hashes/sha2.js";
import { AsnConvert } from "@peculiar/asn1-schema";
import { CertificateList } from "@peculiar/asn1-x509";
import * as x509 from "@peculiar/x509";
import { parseTdxQuote } from "../../../src/attestation/tdx/abi.ts";
import { SGX_EXTENSION_OID } from "../../../src/attestation/tdx/pck-extension.ts";
import { splitPemCertificates } from "../../../src/attestation/tdx/pem.ts";
import { concatBytes } from "../../../src/common/bytes.ts";
import { QUOTES, readTdx } from "./vectors.ts";

const EC = { name: "ECDSA", namedCurve: "P-256" } as const;
const SIGN = { name: "ECDSA", hash: "SHA-256" } as const;
const NAME = (cn: string) => `CN=${cn}, O=Intel Corporation, L=Santa Clara, ST=CA, C=US`;

export interface ConstructedPki {
  readonly rootDer: Uint8Array;
  readonly quote: Uint8Array;
  readonly pckSerial: string;
  /** A PCK CRL signed by the platform CA listing `revoked`. */
  pckCrl(revoked: string[], thisUpdate: Date, nextUpdate: Date): Promise<Uint8Array>;
  /** The root CA CRL, signed by the test root, listing nothing. */
  rootCrl(thisUpdate: Date, nextUpdate: Date): Promise<Uint8Array>;
}

function u16(v: number): Uint8Array {
  return new Uint8Array([v & 0xff, v >> 8]);
}
function u32(v: number): Uint8Array {
  return new Uint8Array([v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >>> 24]);
}

async function sign(key: CryptoKey, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign(SIGN, key, data as Uint8Array<ArrayBuffer>));
}

export async function constructPki(notBefore: Date): Promise<ConstructedPki> {
  const gen = () => crypto.subtle.generateKey(EC, true, ["sign", "verify"]) as Promise<CryptoKeyPair>;
  const [rootKeys, caKeys, pckKeys, attKeys] = await Promise.all([gen(), gen(), gen(), gen()]);
  const notAfter = new Date(notBefore.getTime() + 10 * 365 * 86_400_000);
  const ca = (pathLength?: number) => [
    new x509.BasicConstraintsExtension(true, pathLength, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
  ];
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: NAME("Intel SGX Root CA"),
    notBefore,
    notAfter,
    keys: rootKeys,
    signingAlgorithm: SIGN,
    extensions: ca(1),
  });
  const platformCa = await x509.X509CertificateGenerator.create({
    serialNumber: "02",
    subject: NAME("Intel SGX PCK Platform CA"),
    issuer: root.subject,
    notBefore,
    notAfter,
    publicKey: caKeys.publicKey,
    signingKey: rootKeys.privateKey,
    signingAlgorithm: SIGN,
    extensions: ca(0),
  });
  // The real debug-TD PCK's SGX extension (FMSPC, TCB, PCE ID …), so the leaf reads as a genuine PCK.
  const realQuote = parseTdxQuote(readTdx(QUOTES.debug));
  const realLeaf = new x509.X509Certificate(splitPemCertificates(realQuote.pckChainPem, "pck")[0]!);
  const sgx = realLeaf.extensions.find((e) => e.type === SGX_EXTENSION_OID)!;
  const pckSerial = "7a11ce0f";
  const pck = await x509.X509CertificateGenerator.create({
    serialNumber: pckSerial,
    subject: NAME("Intel SGX PCK Certificate"),
    issuer: platformCa.subject,
    notBefore,
    notAfter,
    publicKey: pckKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: SIGN,
    extensions: [new x509.Extension(SGX_EXTENSION_OID, false, new Uint8Array(sgx.value))],
  });
  const pem = [pck, platformCa, root].map((c) => c.toString("pem")).join("\n");
  const quote = await resignQuote(readTdx(QUOTES.debug), attKeys, pckKeys.privateKey, pem);
  const crl = (issuer: x509.X509Certificate, key: CryptoKey, revoked: string[], t: Date, n: Date) =>
    canonicalCrl(issuer.subject, key, revoked, t, n);
  return {
    rootDer: new Uint8Array(root.rawData),
    quote,
    pckSerial,
    pckCrl: (revoked, t, n) => crl(platformCa, caKeys.privateKey, revoked, t, n),
    rootCrl: (t, n) => crl(root, rootKeys.privateKey, [], t, n),
  };
}

/** v4 quote: header+body kept, signature data rebuilt around a new attestation key and PCK chain. */
async function resignQuote(
  real: Uint8Array,
  att: CryptoKeyPair,
  pckKey: CryptoKey,
  chainPem: string,
): Promise<Uint8Array> {
  const parsed = parseTdxQuote(real);
  const signed = real.slice(0, 48 + 584);
  const attRaw = new Uint8Array(await crypto.subtle.exportKey("raw", att.publicKey)).subarray(1);
  const qeAuth = parsed.qeAuthData;
  const qeReport = parsed.qeReport.raw.slice();
  qeReport.set(concatBytes(sha256(concatBytes(attRaw, qeAuth)), new Uint8Array(32)), 320);
  const chain = new TextEncoder().encode(chainPem);
  const certData = concatBytes(
    qeReport,
    await sign(pckKey, qeReport),
    u16(qeAuth.length),
    qeAuth,
    u16(5),
    u32(chain.length),
    chain,
  );
  const sigData = concatBytes(
    await sign(att.privateKey, signed),
    attRaw,
    u16(6),
    u32(certData.length),
    certData,
  );
  return concatBytes(signed, u32(sigData.length), sigData);
}

/**
 * A CRL in canonical DER: @peculiar/x509's generator writes an empty crlEntryExtensions SEQUENCE per entry, which the
 * strict TDX parser (signed-der.ts) rightly refuses; so the entries are written without it and the TBS re-signed.
 */
async function canonicalCrl(
  issuer: string,
  key: CryptoKey,
  revoked: string[],
  thisUpdate: Date,
  nextUpdate: Date,
): Promise<Uint8Array> {
  const generated = await x509.X509CrlGenerator.create({
    issuer,
    thisUpdate,
    nextUpdate,
    entries: revoked.map((serialNumber) => ({ serialNumber, revocationDate: thisUpdate })),
    signingKey: key,
    signingAlgorithm: SIGN,
  });
  const asn = AsnConvert.parse(generated.rawData, CertificateList);
  for (const e of asn.tbsCertList.revokedCertificates ?? []) e.crlEntryExtensions = undefined;
  const tbs = new Uint8Array(AsnConvert.serialize(asn.tbsCertList));
  const p1363 = await sign(key, tbs);
  type EcAlgorithm = Parameters<x509.AsnEcSignatureFormatter["toAsnSignature"]>[0];
  const alg = { ...SIGN, namedCurve: "P-256" } as EcAlgorithm;
  const der = new x509.AsnEcSignatureFormatter().toAsnSignature(alg, p1363);
  if (der === null) throw new Error("ecdsa signature: expected a der encoding");
  asn.signature = der;
  return new Uint8Array(AsnConvert.serialize(asn));
}
