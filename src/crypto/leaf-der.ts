// Mesh leaf certificates encoded directly in DER (RFC 5280 §4.1), the Coordinator's hot path.
//
// The generic @peculiar/x509 generator costs ~15 ms for a leaf with ~47 claim extensions; the same
// TBSCertificate built here with asn1js and signed once costs ~1 ms, which is what bounds admissions per second.

import * as asn1js from "asn1js";
import { fromHex } from "../common/bytes.ts";
import { signEcdsa } from "./ecdsa.ts";
import { ipAddressBytes, type SubjectAltName } from "./san.ts";

const OID = {
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  ecdsaWithSha384: "1.2.840.10045.4.3.3",
  commonName: "2.5.4.3",
  basicConstraints: "2.5.29.19",
  keyUsage: "2.5.29.15",
  extKeyUsage: "2.5.29.37",
  subjectAltName: "2.5.29.17",
  authorityKeyId: "2.5.29.35",
  clientAuth: "1.3.6.1.5.5.7.3.2",
  serverAuth: "1.3.6.1.5.5.7.3.1",
} as const;

export interface LeafDerInput {
  serialHex: string;
  /** DER of the issuer's subject Name (copied verbatim from the CA certificate). */
  issuerName: Uint8Array;
  /** The CA's subject key identifier, for the AuthorityKeyIdentifier extension. */
  authorityKeyId: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  commonName: string | undefined;
  /** DER SubjectPublicKeyInfo of the leaf key. */
  spki: Uint8Array;
  sans: readonly SubjectAltName[];
  extensions: readonly { oid: string; value: Uint8Array; critical?: boolean }[];
  signingKey: CryptoKey;
  hash: "SHA-256" | "SHA-384";
}

const der = (b: asn1js.BaseBlock) => new Uint8Array(b.toBER(false));
const oid = (v: string) => new asn1js.ObjectIdentifier({ value: v });

/** DER TLV with definite length; used for the constructed parts so embedded DER (names, SPKI) stays byte-exact. */
function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const len = parts.reduce((n, p) => n + p.length, 0);
  const lenBytes =
    len < 0x80
      ? [len]
      : len < 0x100
        ? [0x81, len]
        : len < 0x10000
          ? [0x82, len >> 8, len & 0xff]
          : [0x83, len >> 16, (len >> 8) & 0xff, len & 0xff];
  const out = new Uint8Array(1 + lenBytes.length + len);
  out[0] = tag;
  out.set(lenBytes, 1);
  let o = 1 + lenBytes.length;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
const SEQUENCE = 0x30;

function time(d: Date): asn1js.BaseBlock {
  // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
  return d.getUTCFullYear() < 2050
    ? new asn1js.UTCTime({ valueDate: d })
    : new asn1js.GeneralizedTime({ valueDate: d });
}

function extension(id: string, critical: boolean, value: Uint8Array): Uint8Array {
  const parts: asn1js.BaseBlock[] = [oid(id)];
  if (critical) parts.push(new asn1js.Boolean({ value: true }));
  parts.push(new asn1js.OctetString({ valueHex: value }));
  return der(new asn1js.Sequence({ value: parts }));
}

function generalName(n: SubjectAltName): asn1js.BaseBlock {
  if (n.type === "ip") {
    const bytes = ipAddressBytes(n.value);
    return new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 7 }, valueHex: bytes });
  }
  const tag = n.type === "dns" ? 2 : 6;
  return new asn1js.Primitive({
    idBlock: { tagClass: 3, tagNumber: tag },
    valueHex: new TextEncoder().encode(n.value),
  });
}

function name(commonName: string | undefined): asn1js.Sequence {
  if (commonName === undefined) return new asn1js.Sequence({ value: [] });
  const atv = new asn1js.Sequence({
    value: [oid(OID.commonName), new asn1js.Utf8String({ value: commonName })],
  });
  return new asn1js.Sequence({ value: [new asn1js.Set({ value: [atv] })] });
}

/** Returns the DER certificate: leaf, EKU client+server, KU digitalSignature, SANs, AKI, and the given extensions. */
export async function encodeLeafCertificate(c: LeafDerInput): Promise<Uint8Array> {
  const tbs = encodeLeafTbs(c);
  const signature = await signEcdsa(c.signingKey, tbs, c.hash);
  return tlv(
    SEQUENCE,
    tbs,
    sigAlgorithm(c.hash),
    der(new asn1js.BitString({ valueHex: signature, unusedBits: 0 })),
  );
}

function sigAlgorithm(hash: LeafDerInput["hash"]): Uint8Array {
  return der(
    new asn1js.Sequence({ value: [oid(hash === "SHA-384" ? OID.ecdsaWithSha384 : OID.ecdsaWithSha256)] }),
  );
}

/** The TBSCertificate (RFC 5280 §4.1) the leaf signature covers. */
export function encodeLeafTbs(c: Omit<LeafDerInput, "signingKey">): Uint8Array {
  const sigAlg = der(
    new asn1js.Sequence({ value: [oid(c.hash === "SHA-384" ? OID.ecdsaWithSha384 : OID.ecdsaWithSha256)] }),
  );
  const exts: Uint8Array[] = [
    extension(OID.basicConstraints, true, der(new asn1js.Sequence({ value: [] }))),
    extension(
      OID.keyUsage,
      true,
      der(new asn1js.BitString({ valueHex: new Uint8Array([0x80]), unusedBits: 7 })),
    ),
    extension(
      OID.extKeyUsage,
      false,
      der(new asn1js.Sequence({ value: [oid(OID.clientAuth), oid(OID.serverAuth)] })),
    ),
  ];
  if (c.sans.length > 0) {
    // RFC 5280 §4.2.1.6: critical when the subject is empty.
    const names = der(new asn1js.Sequence({ value: c.sans.map(generalName) }));
    exts.push(extension(OID.subjectAltName, c.commonName === undefined, names));
  }
  const keyId = new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 }, valueHex: c.authorityKeyId });
  exts.push(extension(OID.authorityKeyId, false, der(new asn1js.Sequence({ value: [keyId] }))));
  for (const e of c.extensions) exts.push(extension(e.oid, e.critical ?? false, e.value));
  const tbs = tlv(
    SEQUENCE,
    tlv(0xa0, der(new asn1js.Integer({ value: 2 }))),
    der(new asn1js.Integer({ valueHex: fromHex(c.serialHex, "serial") })),
    sigAlg,
    c.issuerName,
    tlv(SEQUENCE, der(time(c.notBefore)), der(time(c.notAfter))),
    der(name(c.commonName)),
    c.spki,
    tlv(0xa3, tlv(SEQUENCE, ...exts)),
  );
  return tbs;
}
