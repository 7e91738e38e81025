// Checks a mesh certificate answer before an Initializer writes it (issue 10 §1): the leaf is for the key the pod
// generated, chains to the attested mesh CA and, through the intermediate, to the attested root CA, and carries
// exactly the SANs of the pod's manifest entry (edgelesssys/contrast internal/ca for the shape of the chain).

import * as x509 from "@peculiar/x509";
import { constantTimeEqual, toHex } from "../common/bytes.ts";
import type { VerificationCode } from "../common/codes.ts";
import { isContrastError, VerificationError } from "../common/errors.ts";
import { decodePemBlocks } from "./pem.ts";
import { classifySan, ipAddressBytes } from "./san.ts";

export interface MeshChainInput {
  /** PEM: leaf, then intermediate (as `/v1/mesh/cert` returns it). */
  readonly certChainPem: string;
  /** The mesh and root CA bound into the Coordinator's verified report. */
  readonly meshCAPem: string;
  readonly rootCAPem: string;
  /** DER SPKI of the key the Initializer generated. */
  readonly expectedSpki: Uint8Array;
  /** SANs of the pod's entry in the newest attested manifest. */
  readonly expectedSans: readonly string[];
  readonly now: Date;
}

/** Throws VerificationError (`mesh_cert_key_mismatch`, `mesh_chain_invalid`, `mesh_cert_sans_mismatch`) or returns. */
export async function checkMeshCertChain(c: MeshChainInput): Promise<void> {
  const certs = pemBlocks(c.certChainPem, "certChain").filter((b) => b.label === "CERTIFICATE");
  if (certs.length !== 2)
    fail("mesh_chain_invalid", `certChain: expected leaf and intermediate, got ${certs.length}`);
  const leaf = parse(certs[0]!.der, "certChain[0]");
  const intermediate = parse(certs[1]!.der, "certChain[1]");
  const meshCA = parsePem(c.meshCAPem, "meshCA");
  const rootCA = parsePem(c.rootCAPem, "rootCA");
  const leafSpki = new Uint8Array(leaf.publicKey.rawData);
  if (!constantTimeEqual(leafSpki, c.expectedSpki)) {
    fail(
      "mesh_cert_key_mismatch",
      `certChain[0]: expected a certificate for this pod's key ${toHex(c.expectedSpki).slice(-16)}, got one for ${toHex(leafSpki).slice(-16)}`,
    );
  }
  await signedBy(leaf, meshCA, "certChain[0]", "the attested mesh CA");
  if (
    !constantTimeEqual(
      new Uint8Array(intermediate.publicKey.rawData),
      new Uint8Array(meshCA.publicKey.rawData),
    )
  )
    fail("mesh_chain_invalid", "certChain[1]: expected the mesh CA's key, got another");
  await signedBy(intermediate, rootCA, "certChain[1]", "the attested root CA");
  for (const [cert, field] of [
    [leaf, "certChain[0]"],
    [intermediate, "certChain[1]"],
  ] as const) {
    if (c.now < cert.notBefore || c.now > cert.notAfter)
      fail(
        "mesh_chain_invalid",
        `${field}: expected valid at ${c.now.toISOString()}, got ${cert.notBefore.toISOString()} … ${cert.notAfter.toISOString()}`,
      );
  }
  const got = sanKeys(leaf.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON() ?? []);
  const want = sanKeys(c.expectedSans.map(classifySan));
  if (got.length !== want.length || got.some((k, i) => k !== want[i])) {
    fail(
      "mesh_cert_sans_mismatch",
      `certChain[0]: expected the SANs of this pod's manifest entry ${want.join(", ")}, got ${got.join(", ")}`,
    );
  }
}

/** Canonical, sorted `type:value` keys: DNS names case-folded, IP addresses as their octets. */
function sanKeys(names: readonly { type: string; value: string }[]): string[] {
  return names
    .map((n) => {
      if (n.type === "ip") return `ip:${toHex(ipAddressBytes(n.value))}`;
      if (n.type === "dns") return `dns:${n.value.toLowerCase()}`;
      return `${n.type}:${n.value}`;
    })
    .sort();
}

async function signedBy(
  cert: x509.X509Certificate,
  issuer: x509.X509Certificate,
  field: string,
  what: string,
) {
  const ok =
    cert.issuerName.toString() === issuer.subjectName.toString() &&
    (await cert.verify({ publicKey: issuer.publicKey, signatureOnly: true }).catch(() => false));
  if (!ok)
    fail("mesh_chain_invalid", `${field}: expected a certificate issued by ${what}, got one that is not`);
}

function parse(der: Uint8Array, field: string): x509.X509Certificate {
  try {
    return new x509.X509Certificate(der);
  } catch (e) {
    fail(
      "mesh_chain_invalid",
      `${field}: expected an x.509 certificate, got ${isContrastError(e) ? e.message : "unparseable der"}`,
    );
  }
}

function parsePem(pem: string, field: string): x509.X509Certificate {
  const blocks = pemBlocks(pem, field);
  if (blocks.length !== 1 || blocks[0]!.label !== "CERTIFICATE")
    fail("mesh_chain_invalid", `${field}: expected one certificate, got ${blocks.length} pem blocks`);
  return parse(blocks[0]!.der, field);
}

function pemBlocks(text: string, field: string) {
  try {
    return decodePemBlocks(text, field);
  } catch (e) {
    fail(
      "mesh_chain_invalid",
      `${field}: expected pem, got ${isContrastError(e) ? e.message : "malformed text"}`,
    );
  }
}

function fail(code: VerificationCode, message: string): never {
  throw new VerificationError(code, message);
}
