// Development ARK → ASK → VCEK chain in AMD's algorithms (RSA-4096 RSASSA-PSS SHA-384 salt 48, EC P-384 leaf), clearly marked SIMULATION.

import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate } from "@peculiar/asn1-x509";
import * as x509 from "@peculiar/x509";
import { AMD_LEAF_OIDS, encodeDerIa5, encodeDerUint } from "../snp/leaf-extensions.ts";
import type { SnpTcb } from "../snp/tcb.ts";

export type SimProduct = "Milan" | "Genoa";

/** O and OU of every sim certificate: nobody may mistake these for AMD's. */
export const SIM_ORG = "SIMULATION - contrast development TEE - not AMD";
export const SIM_OU = "SIMULATION";

const PSS = { name: "RSA-PSS", hash: "SHA-384", saltLength: 48 } as const;
const RSA_GEN = {
  name: "RSA-PSS",
  modulusLength: 4096,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: "SHA-384",
} as const;
const EC_GEN = { name: "ECDSA", namedCurve: "P-384" } as const;

export interface SimChainParams {
  readonly product: SimProduct;
  readonly chipId: Uint8Array;
  readonly tcb: SnpTcb;
  readonly productName: string;
  readonly now: Date;
}

export interface SimCert {
  readonly der: Uint8Array;
  readonly pem: string;
  /** PKCS#8 DER of the private key. */
  readonly pkcs8: Uint8Array;
}

export interface SimChain {
  readonly ark: SimCert;
  readonly ask: SimCert;
  readonly vcek: SimCert;
  /** The ARK's private key, to sign the sim CRL. */
  readonly arkSigningKey: CryptoKey;
}

function simName(cn: string): string {
  return `CN=${cn}, O=${SIM_ORG}, OU=${SIM_OU}`;
}

function years(from: Date, n: number): Date {
  const d = new Date(from.getTime());
  d.setUTCFullYear(d.getUTCFullYear() + n);
  return d;
}

async function toSimCert(cert: x509.X509Certificate, key: CryptoKey): Promise<SimCert> {
  return {
    der: new Uint8Array(cert.rawData),
    pem: `${cert.toString("pem")}\n`,
    pkcs8: new Uint8Array(await crypto.subtle.exportKey("pkcs8", key)),
  };
}

/** The AMD extensions of a VCEK (AMD VCEK/KDS interface spec #57230, VCEK/VLEK extensions), hwID as a DER OCTET STRING of the 64-byte chip ID. */
function vcekExtensions(p: SimChainParams): x509.Extension[] {
  const ext = (oid: string, value: Uint8Array): x509.Extension =>
    new x509.Extension(oid, false, value as Uint8Array<ArrayBuffer>);
  const spl = [0, 0, 0, 0];
  return [
    ext(`${AMD_LEAF_OIDS.structVersion}`, encodeDerUint(0)),
    ext(AMD_LEAF_OIDS.productName, encodeDerIa5(p.productName)),
    ext(AMD_LEAF_OIDS.blSpl, encodeDerUint(p.tcb.bootloader)),
    ext(AMD_LEAF_OIDS.teeSpl, encodeDerUint(p.tcb.tee)),
    ...spl.map((v, i) => ext(`1.3.6.1.4.1.3704.1.3.${i + 4}`, encodeDerUint(v))),
    ext(AMD_LEAF_OIDS.snpSpl, encodeDerUint(p.tcb.snp)),
    ext(AMD_LEAF_OIDS.ucodeSpl, encodeDerUint(p.tcb.microcode)),
    ext(AMD_LEAF_OIDS.hwId, new Uint8Array([0x04, 0x40, ...p.chipId])),
  ];
}

/** Creates fresh keys and the three certificates. ARK/ASK valid 25 years, VCEK 7 years (as AMD's), from `now` − 1 day. */
export async function createSimChain(p: SimChainParams): Promise<SimChain> {
  if (p.chipId.length !== 64) throw new RangeError(`chipId: expected 64 bytes, got ${p.chipId.length}`);
  const notBefore = new Date(p.now.getTime() - 86_400_000);
  const arkKeys = (await crypto.subtle.generateKey(RSA_GEN, true, ["sign", "verify"])) as CryptoKeyPair;
  const askKeys = (await crypto.subtle.generateKey(RSA_GEN, true, ["sign", "verify"])) as CryptoKeyPair;
  const vcekKeys = (await crypto.subtle.generateKey(EC_GEN, true, ["sign", "verify"])) as CryptoKeyPair;
  const caUsage = x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign;
  const ark = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: simName(`ARK-${p.product}`),
    notBefore,
    notAfter: years(notBefore, 25),
    keys: arkKeys,
    signingAlgorithm: PSS,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(caUsage, true),
    ],
  });
  const ask = await x509.X509CertificateGenerator.create({
    serialNumber: "0100",
    subject: simName(`SEV-${p.product}`),
    issuer: ark.subject,
    notBefore,
    notAfter: years(notBefore, 25),
    publicKey: askKeys.publicKey,
    signingKey: arkKeys.privateKey,
    signingAlgorithm: PSS,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(caUsage, true),
    ],
  });
  const vcekSerial1 = await x509.X509CertificateGenerator.create({
    serialNumber: "01",
    subject: simName("SEV-VCEK"),
    issuer: ask.subject,
    notBefore,
    notAfter: years(notBefore, 7),
    publicKey: vcekKeys.publicKey,
    signingKey: askKeys.privateKey,
    signingAlgorithm: PSS,
    extensions: vcekExtensions(p),
  });
  // AMD issues every VCEK with serial number 0 (AMD VCEK/KDS interface spec #57230, certificate chain); the generator refuses 0, so re-sign with it.
  const vcek = await resignWithSerialZero(vcekSerial1, askKeys.privateKey);
  return {
    ark: await toSimCert(ark, arkKeys.privateKey),
    ask: await toSimCert(ask, askKeys.privateKey),
    vcek: await toSimCert(vcek, vcekKeys.privateKey),
    arkSigningKey: arkKeys.privateKey,
  };
}

async function resignWithSerialZero(
  cert: x509.X509Certificate,
  issuerKey: CryptoKey,
): Promise<x509.X509Certificate> {
  const asn = AsnConvert.parse(cert.rawData, Certificate);
  asn.tbsCertificate.serialNumber = new Uint8Array([0]).buffer;
  const tbs = AsnConvert.serialize(asn.tbsCertificate);
  asn.signatureValue = await crypto.subtle.sign(PSS, issuerKey, tbs);
  return new x509.X509Certificate(AsnConvert.serialize(asn));
}
