// The Coordinator's certificate authority (edgelesssys/contrast internal/ca): root CA, mesh CA + cross-signed intermediate, mesh leaves.
//
// Root CA: CN system:coordinator:root, seed-derived P-384 key, self-signed, now−1h … +10y.
// Mesh CA: CN system:coordinator:intermediate, fresh P-384 key per manifest, self-signed, now−1h … +10y.
// Intermediate: same subject and key as the mesh CA, issued by the root, so a leaf (issued by the mesh CA name and
// key) verifies to either trust anchor: leaf → mesh CA, or leaf → intermediate → root.

import * as x509 from "@peculiar/x509";
import { fromHex } from "../common/bytes.ts";
import { ParseError } from "../common/errors.ts";
import { defaultHashFor } from "./ecdsa.ts";
import { curveOf, type EcKeyPair, exportPublicKeySpki } from "./keys.ts";
import { encodeLeafCertificate } from "./leaf-der.ts";
import { encodePem } from "./pem.ts";
import type { RandomSource } from "./random.ts";
import { parseSubjectAltNames } from "./san.ts";
import { generateSerialNumber } from "./serial.ts";

export const ROOT_CA_COMMON_NAME = "system:coordinator:root";
export const MESH_CA_COMMON_NAME = "system:coordinator:intermediate";
export const OID_WORKLOAD_SECRET_ID = "1.3.9901.3.1";

const HOUR = 3600_000;
const TEN_YEARS = 10 * 365 * 24 * HOUR;
const ONE_YEAR = 365 * 24 * HOUR;

/** Time and randomness are injected so certificates are reproducible in tests. */
export interface CertContext {
  readonly now: Date;
  readonly random: RandomSource;
}

/** An extra X.509 extension: OID and the DER of its value (the extnValue content). */
export interface RawExtension {
  readonly oid: string;
  readonly value: Uint8Array;
  readonly critical?: boolean;
}

export interface CertificateAuthority {
  readonly rootCA: x509.X509Certificate;
  readonly meshCA: x509.X509Certificate;
  readonly intermediate: x509.X509Certificate;
  readonly meshKey: EcKeyPair;
  readonly rootCAPem: string;
  readonly meshCAPem: string;
  readonly intermediatePem: string;
}

/**
 * Builds root CA, mesh CA and the root-signed intermediate from the root key and a (fresh) mesh key. `root` is the
 * root certificate to use (the Coordinator passes its deterministic one, src/crypto/root-ca-cert.ts); without it a
 * fresh one is made.
 */
export async function createCertificateAuthority(
  rootKey: EcKeyPair,
  meshKey: EcKeyPair,
  ctx: CertContext,
  root?: x509.X509Certificate,
): Promise<CertificateAuthority> {
  const validity = {
    notBefore: new Date(ctx.now.getTime() - HOUR),
    notAfter: new Date(ctx.now.getTime() + TEN_YEARS),
  };
  const rootCA =
    root ?? (await createCaCert(rootKey, rootKey, ROOT_CA_COMMON_NAME, undefined, validity, ctx));
  const meshCA = await createCaCert(meshKey, meshKey, MESH_CA_COMMON_NAME, undefined, validity, ctx);
  const intermediate = await createCaCert(meshKey, rootKey, MESH_CA_COMMON_NAME, rootCA, validity, ctx);
  return {
    rootCA,
    meshCA,
    intermediate,
    meshKey,
    rootCAPem: toPem(rootCA),
    meshCAPem: toPem(meshCA),
    intermediatePem: toPem(intermediate),
  };
}

async function createCaCert(
  subjectKey: EcKeyPair,
  issuerKey: EcKeyPair,
  commonName: string,
  issuerCert: x509.X509Certificate | undefined,
  validity: { notBefore: Date; notAfter: Date },
  ctx: CertContext,
): Promise<x509.X509Certificate> {
  return x509.X509CertificateGenerator.create({
    serialNumber: generateSerialNumber(ctx.random),
    subject: [{ CN: [commonName] }],
    issuer: issuerCert?.subjectName ?? [{ CN: [commonName] }],
    ...validity,
    publicKey: subjectKey.publicKey,
    signingKey: issuerKey.privateKey,
    signingAlgorithm: { name: "ECDSA", hash: defaultHashFor(issuerKey.curve) },
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(subjectKey.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(issuerKey.publicKey),
    ],
  });
}

export interface MeshCertRequest {
  /** The Initializer's attested P-256 public key. */
  readonly publicKey: CryptoKey;
  /** Its DER SPKI as WebCrypto would export it, when the caller holds it (an export costs ~35 µs per leaf). */
  readonly publicKeySpki?: Uint8Array;
  /** From the manifest policy entry; IPs, URLs with a scheme and DNS names (edgelesssys/contrast internal/manifest). */
  readonly sans: readonly string[];
  /** Attestation claims (1.3.9901.2.x.N) and the workload secret ID (1.3.9901.3.1). */
  readonly extensions?: readonly RawExtension[];
}

/**
 * Issues a mesh (workload) certificate signed by the mesh CA: CN = first DNS SAN, EKU client+server auth,
 * KU digitalSignature, now−1h … +1y (edgelesssys/contrast internal/ca). Returns the leaf PEM.
 */
export async function issueMeshCert(
  ca: CertificateAuthority,
  req: MeshCertRequest,
  ctx: CertContext,
): Promise<string> {
  if (curveOf(req.publicKey) !== "P-256") {
    throw new ParseError("unsupported_key", "publicKey: expected ecdsa p-256 key for a mesh certificate", {
      field: "publicKey",
    });
  }
  const names = parseSubjectAltNames(req.sans);
  const issuer = meshIssuerOf(ca);
  const derCert = await encodeLeafCertificate({
    serialHex: generateSerialNumber(ctx.random),
    issuerName: issuer.name,
    authorityKeyId: issuer.keyId,
    notBefore: new Date(ctx.now.getTime() - HOUR),
    notAfter: new Date(ctx.now.getTime() + ONE_YEAR),
    commonName: names.find((n) => n.type === "dns")?.value,
    spki: req.publicKeySpki ?? (await exportPublicKeySpki(req.publicKey)),
    sans: names,
    extensions: req.extensions ?? [],
    signingKey: ca.meshKey.privateKey,
    hash: defaultHashFor(ca.meshKey.curve),
  });
  return encodePem("CERTIFICATE", derCert);
}

const meshIssuers = new WeakMap<CertificateAuthority, { name: Uint8Array; keyId: Uint8Array }>();

/** The mesh CA's subject DER and key identifier, read once per CA instead of re-encoded for every leaf. */
function meshIssuerOf(ca: CertificateAuthority): { name: Uint8Array; keyId: Uint8Array } {
  let issuer = meshIssuers.get(ca);
  if (issuer === undefined) {
    const ski = ca.meshCA.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
    if (ski === undefined)
      throw new ParseError("ca_without_ski", "mesh CA: expected a subject key identifier, got none");
    issuer = {
      name: new Uint8Array(ca.meshCA.subjectName.toArrayBuffer()),
      keyId: fromHex(ski, "mesh CA subject key identifier"),
    };
    meshIssuers.set(ca, issuer);
  }
  return issuer;
}

export interface ServerCertOptions {
  readonly commonName?: string;
  readonly sans?: readonly string[];
  /** Validity after `now` (default 1 year); notBefore is always now−1h for clock skew. */
  readonly lifetimeMs?: number;
}

/** A self-signed TLS server certificate for a per-boot P-256 key (the Coordinator's HTTPS listeners). */
export async function createSelfSignedServerCert(
  key: EcKeyPair,
  ctx: CertContext,
  opts: ServerCertOptions = {},
): Promise<string> {
  const names = parseSubjectAltNames(opts.sans ?? []);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: generateSerialNumber(ctx.random),
    name: [{ CN: [opts.commonName ?? "contrast"] }],
    notBefore: new Date(ctx.now.getTime() - HOUR),
    notAfter: new Date(ctx.now.getTime() + (opts.lifetimeMs ?? ONE_YEAR)),
    keys: { privateKey: key.privateKey, publicKey: key.publicKey },
    signingAlgorithm: { name: "ECDSA", hash: defaultHashFor(key.curve) },
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      ...(names.length > 0 ? [new x509.SubjectAlternativeNameExtension(names)] : []),
    ],
  });
  return toPem(cert);
}

function toPem(cert: x509.X509Certificate): string {
  return `${cert.toString("pem").replace(/\r\n/g, "\n").trimEnd()}\n`;
}
