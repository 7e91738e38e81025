// AMD certificate chain checks: ARK (self-signed) → ASK/ASVK → VCEK/VLEK, RSASSA-PSS SHA-384 salt 48 (AMD VCEK/KDS interface spec #57230, certificate chain, google/go-sev-guest verify).

import * as x509 from "@peculiar/x509";
import type { VerificationCode } from "../../common/codes.ts";
import { VerificationError } from "../../common/errors.ts";
import { canonicalSerial } from "../../crypto/serial.ts";
import type { SnpProduct } from "./product.ts";
import { commonName, tbsCertificate } from "./x509-util.ts";

export type SnpSigningKey = "vcek" | "vlek";

/** A root the caller or the binary trusts. `amd` = embedded AMD ARK; `trusted` = passed explicitly (e.g. the sim ARK). */
export interface TrustAnchor {
  readonly cert: x509.X509Certificate;
  readonly der: Uint8Array;
  readonly sha256: string;
  readonly source: "amd" | "trusted";
}

/** The certificate-only result of a chain check; cached by the verifier, so it holds no per-call data. */
export interface VerifiedChain {
  readonly leaf: x509.X509Certificate;
  readonly leafKey: CryptoKey;
  readonly intermediate: x509.X509Certificate;
  readonly intermediateSerial: string;
  readonly ark: TrustAnchor;
}

/** The shape @peculiar/x509 reports for an RSA-PSS signature algorithm. */
export interface PssAlgorithm {
  readonly name?: string;
  readonly hash?: { readonly name?: string };
  readonly saltLength?: number;
}

function chainError(field: string, message: string, code: VerificationCode = "snp_chain_invalid"): never {
  throw new VerificationError(code, `${field}: ${message}`, { field });
}

/** True when `child` carries an RSASSA-PSS/SHA-384/salt-48 signature that verifies under `issuer`'s key. */
export async function checkPssSignature(
  child: x509.X509Certificate,
  issuer: x509.X509Certificate,
): Promise<boolean> {
  try {
    const alg = child.signatureAlgorithm as unknown as PssAlgorithm;
    if (alg.name !== "RSA-PSS" || alg.hash?.name !== "SHA-384" || alg.saltLength !== 48) return false;
    // Straight to WebCrypto with the issuer's key (imported once per issuer): @peculiar's generic verify costs
    // several milliseconds per certificate on a cold start, which `attestation verify` pays three times.
    const key = await pssKeyOf(issuer);
    return await crypto.subtle.verify(
      { name: "RSA-PSS", saltLength: 48 },
      key,
      child.signature as ArrayBuffer,
      tbsCertificate(new Uint8Array(child.rawData)) as Uint8Array<ArrayBuffer>,
    );
  } catch {
    return false;
  }
}

const pssKeys = new WeakMap<x509.X509Certificate, Promise<CryptoKey>>();

function pssKeyOf(issuer: x509.X509Certificate): Promise<CryptoKey> {
  let k = pssKeys.get(issuer);
  if (k === undefined) {
    k = crypto.subtle.importKey(
      "spki",
      issuer.publicKey.rawData,
      { name: "RSA-PSS", hash: "SHA-384" },
      false,
      ["verify"],
    );
    pssKeys.set(issuer, k);
    k.catch(() => pssKeys.delete(issuer));
  }
  return k;
}

function isCa(cert: x509.X509Certificate): boolean {
  try {
    return cert.getExtension(x509.BasicConstraintsExtension)?.ca === true;
  } catch {
    return false;
  }
}

const selfSignedCache = new WeakMap<x509.X509Certificate, Promise<boolean>>();

function checkSelfSigned(ark: x509.X509Certificate): Promise<boolean> {
  let p = selfSignedCache.get(ark);
  if (!p) {
    p = ark.subject === ark.issuer ? checkPssSignature(ark, ark) : Promise.resolve(false);
    selfSignedCache.set(ark, p);
  }
  return p;
}

/** Finds the trusted ARK that signed `intermediate`; fails with `snp_untrusted_root` when none did. */
async function findArk(
  intermediate: x509.X509Certificate,
  anchors: readonly TrustAnchor[],
): Promise<TrustAnchor> {
  for (const a of anchors) {
    if (a.cert.subject !== intermediate.issuer) continue;
    if (!(await checkPssSignature(intermediate, a.cert))) continue;
    if (!(await checkSelfSigned(a.cert))) {
      chainError("ark", "expected a valid self-signed rsa-pss certificate", "snp_untrusted_root");
    }
    return a;
  }
  return chainError(
    "intermediate",
    `expected a certificate signed by a trusted ark, got one issued by ${JSON.stringify(intermediate.issuer)}`,
    "snp_untrusted_root",
  );
}

export interface ChainCheckInput {
  readonly leaf: x509.X509Certificate;
  readonly intermediate: x509.X509Certificate;
  readonly intermediateDer: Uint8Array;
  readonly anchors: readonly TrustAnchor[];
  /** The embedded ASK/ASVK of this product and kind; required to match when the ARK is an AMD one. */
  readonly pinnedIntermediateDer: Uint8Array | undefined;
  readonly kind: SnpSigningKey;
  readonly product: SnpProduct;
}

/** Checks signatures, names and key types of the whole chain (not validity dates: those depend on `now`). */
export async function checkChain(input: ChainCheckInput): Promise<VerifiedChain> {
  const { leaf, intermediate, kind, product } = input;
  const ark = await findArk(intermediate, input.anchors);
  if (ark.source === "amd" && !sameBytes(input.intermediateDer, input.pinnedIntermediateDer)) {
    chainError(
      "intermediate",
      `expected the embedded ${kind === "vcek" ? "ASK" : "ASVK"} of ${product}, got a different certificate`,
    );
  }
  expectCn(ark.cert.subjectName, `ARK-${product}`, "ark.subject");
  const intermediateCn = kind === "vcek" ? `SEV-${product}` : `SEV-VLEK-${product}`;
  expectCn(intermediate.subjectName, intermediateCn, "intermediate.subject");
  if (!isCa(ark.cert) || !isCa(intermediate))
    chainError("intermediate", "expected ca basic constraints on ark and ask/asvk");
  if (leaf.issuer !== intermediate.subject || !(await checkPssSignature(leaf, intermediate))) {
    chainError("leaf", `expected a signature by ${intermediateCn}, got one that does not verify`);
  }
  expectCn(leaf.subjectName, kind === "vcek" ? "SEV-VCEK" : "SEV-VLEK", "leaf.subject");
  const leafKey = await importLeafKey(leaf);
  return Object.freeze({
    leaf,
    leafKey,
    intermediate,
    intermediateSerial: canonicalSerial(intermediate.serialNumber),
    ark,
  });
}

function expectCn(name: x509.Name, expected: string, field: string): void {
  const cn = commonName(name);
  if (cn !== expected) chainError(field, `expected cn ${expected}, got ${JSON.stringify(cn ?? null)}`);
}

async function importLeafKey(leaf: x509.X509Certificate): Promise<CryptoKey> {
  let alg: { name?: string; namedCurve?: string } = {};
  try {
    alg = leaf.publicKey.algorithm as typeof alg;
  } catch {
    // an undecodable key falls through to the error below
  }
  if (alg.name !== "ECDSA" || alg.namedCurve !== "P-384") {
    chainError(
      "leaf.publicKey",
      `expected ec p-384, got ${alg.name ?? "unknown"} ${alg.namedCurve ?? ""}`.trimEnd(),
    );
  }
  try {
    return await crypto.subtle.importKey(
      "spki",
      leaf.publicKey.rawData,
      { name: "ECDSA", namedCurve: "P-384" },
      true, // a public key: extractable so the report signature can be checked off the JS thread (ecdsa.ts)
      ["verify"],
    );
  } catch (e) {
    throw new VerificationError("snp_chain_invalid", "leaf.publicKey: expected an importable ec p-384 key", {
      field: "leaf.publicKey",
      cause: e,
    });
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array | undefined): boolean {
  if (!b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Validity at `now` of every certificate in the chain (google/go-sev-guest verify). */
export function checkValidity(chain: VerifiedChain, now: Date): void {
  const certs: [string, x509.X509Certificate][] = [
    ["leaf", chain.leaf],
    ["intermediate", chain.intermediate],
    ["ark", chain.ark.cert],
  ];
  for (const [field, cert] of certs) {
    if (now.getTime() > cert.notAfter.getTime()) {
      chainError(
        field,
        `expected valid at ${now.toISOString()}, got expired ${cert.notAfter.toISOString()}`,
        "snp_cert_expired",
      );
    }
    if (now.getTime() < cert.notBefore.getTime()) {
      chainError(
        field,
        `expected valid at ${now.toISOString()}, got not before ${cert.notBefore.toISOString()}`,
        "snp_cert_not_yet_valid",
      );
    }
  }
}
