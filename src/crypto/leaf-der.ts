// Mesh leaf certificates encoded directly in DER (RFC 5280 §4.1), the Coordinator's hot path.
//
// The generic @peculiar/x509 generator costs ~15 ms for a leaf with ~47 claim extensions and an asn1js object tree
// still more than the signature; written byte by byte (der-writer.ts) the TBSCertificate costs a few microseconds,
// so one ECDSA signature is what a leaf costs.

import { fromHex } from "../common/bytes.ts";
import {
  derBitString,
  derBoolean,
  derContext,
  derIntegerBytes,
  derOctetString,
  derOid,
  derSequence,
  derSet,
  derTime,
  derUtf8String,
} from "./der-writer.ts";
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

const utf8 = new TextEncoder();

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE (omitted when false, X.690 §11.5), extnValue }. */
function extension(id: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical
    ? derSequence(derOid(id), derBoolean(true), derOctetString(value))
    : derSequence(derOid(id), derOctetString(value));
}

/** GeneralName (RFC 5280 §4.2.1.6): [2] dNSName, [6] uniformResourceIdentifier, [7] iPAddress, all IMPLICIT. */
function generalName(n: SubjectAltName): Uint8Array {
  if (n.type === "ip") return derContext(7, false, ipAddressBytes(n.value));
  return derContext(n.type === "dns" ? 2 : 6, false, utf8.encode(n.value));
}

/** The subject: CN only, or the empty Name. */
function name(commonName: string | undefined): Uint8Array {
  if (commonName === undefined) return derSequence();
  return derSequence(derSet(derSequence(derOid(OID.commonName), derUtf8String(commonName))));
}

function sigAlgorithm(hash: LeafDerInput["hash"]): Uint8Array {
  return derSequence(derOid(hash === "SHA-384" ? OID.ecdsaWithSha384 : OID.ecdsaWithSha256));
}

// KeyUsage digitalSignature (bit 0): one byte 0x80 with 7 unused bits.
const KEY_USAGE = derBitString(Uint8Array.of(0x80), 7);
const VERSION_3 = derContext(0, true, Uint8Array.of(0x02, 0x01, 0x02));

/** Returns the DER certificate: leaf, EKU client+server, KU digitalSignature, SANs, AKI, and the given extensions. */
export async function encodeLeafCertificate(c: LeafDerInput): Promise<Uint8Array> {
  const tbs = encodeLeafTbs(c);
  const signature = await signEcdsa(c.signingKey, tbs, c.hash);
  return derSequence(tbs, sigAlgorithm(c.hash), derBitString(signature));
}

/** The TBSCertificate (RFC 5280 §4.1) the leaf signature covers. */
export function encodeLeafTbs(c: Omit<LeafDerInput, "signingKey">): Uint8Array {
  const exts: Uint8Array[] = [
    extension(OID.basicConstraints, true, derSequence()),
    extension(OID.keyUsage, true, KEY_USAGE),
    extension(OID.extKeyUsage, false, derSequence(derOid(OID.clientAuth), derOid(OID.serverAuth))),
  ];
  if (c.sans.length > 0) {
    // RFC 5280 §4.2.1.6: critical when the subject is empty.
    const names = derSequence(...c.sans.map(generalName));
    exts.push(extension(OID.subjectAltName, c.commonName === undefined, names));
  }
  exts.push(extension(OID.authorityKeyId, false, derSequence(derContext(0, false, c.authorityKeyId))));
  for (const e of c.extensions) exts.push(extension(e.oid, e.critical ?? false, e.value));
  return derSequence(
    VERSION_3,
    derIntegerBytes(fromHex(c.serialHex, "serial")),
    sigAlgorithm(c.hash),
    c.issuerName,
    derSequence(derTime(c.notBefore), derTime(c.notAfter)),
    name(c.commonName),
    c.spki,
    derContext(3, true, derSequence(...exts)),
  );
}
