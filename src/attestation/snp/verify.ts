// SEV-SNP report verification: report signature, AMD chain with pinned roots, CRL, leaf-extension match (google/go-sev-guest verify).

import type * as x509 from "@peculiar/x509";
import { sha256Hex } from "../../common/digest.ts";
import { ConfigError, VerificationError } from "../../common/errors.ts";
import { canonicalSerial } from "../../crypto/serial.ts";
import { parseSnpReport, type SnpReport } from "./abi.ts";
import {
  checkChain,
  checkValidity,
  type SnpSigningKey,
  type TrustAnchor,
  type VerifiedChain,
} from "./chain.ts";
import { type CheckedCrl, checkCrlSignature } from "./crl.ts";
import { embeddedArk, embeddedIntermediate } from "./embedded-roots.ts";
import { type AmdLeafExtensions, parseAmdLeafExtensions } from "./leaf-extensions.ts";
import { matchLeafToReport } from "./leaf-match.ts";
import { layoutForProduct, type SnpProduct } from "./product.ts";
import { checkReportSignature } from "./report-signature.ts";
import { checkSnpRevocation, type SnpRevocationInput, type SnpRevocationStatus } from "./revocation.ts";
import { chooseProduct, readLeafProductName } from "./select-product.ts";
import type { SnpTcb } from "./tcb.ts";
import { parseCertificate, toDer } from "./x509-util.ts";

export type { SnpSigningKey } from "./chain.ts";
export type { SnpCrlSource, SnpRevocationInput, SnpRevocationStatus } from "./revocation.ts";

export interface SnpChainInput {
  /** DER (or PEM) VCEK or VLEK. */
  readonly leaf: Uint8Array;
  /** ASK/ASVK; defaults to the embedded one of the product. */
  readonly intermediate?: Uint8Array;
  /** Must be byte-identical to the embedded ARK of the product or to one of `trustedArks`. */
  readonly ark?: Uint8Array;
  /** Where the CRL comes from and what happens without a current one (google/go-sev-guest verify): every caller decides. */
  readonly revocation: SnpRevocationInput;
  readonly now: Date;
  /** Extra explicitly trusted ARKs (DER), e.g. the development sim ARK. */
  readonly trustedArks?: readonly Uint8Array[];
}

export interface SnpVerifyInput extends SnpChainInput {
  readonly report: Uint8Array;
  /** Product known out of band; must agree with the report CPUID when that names one. */
  readonly product?: SnpProduct;
}

export interface SnpLeafChainInput extends SnpChainInput {
  readonly product: SnpProduct;
  readonly signingKey: SnpSigningKey;
}

export interface SnpArkInfo {
  readonly sha256: string;
  /** `amd` = an embedded AMD root; `trusted` = passed by the caller in `trustedArks`. */
  readonly source: "amd" | "trusted";
  readonly subject: string;
}

/** A leaf certificate whose chain to a trusted ARK has been verified at `now`. */
export interface VerifiedSnpLeaf {
  readonly product: SnpProduct;
  readonly signingKey: SnpSigningKey;
  readonly extensions: AmdLeafExtensions;
  readonly leafSha256: string;
  readonly leafNotAfter: Date;
  readonly ark: SnpArkInfo;
  /** Whether a current CRL signed by the ARK showed neither the ASK/ASVK nor the leaf revoked. */
  readonly revocation: SnpRevocationStatus;
  readonly crlChecked: boolean;
}

declare const verifiedSnpBrand: unique symbol;

/** A report whose signature, chain and leaf extensions were verified; only `SnpVerifier` creates one. */
export interface VerifiedSnpReport {
  readonly [verifiedSnpBrand]: true;
  readonly report: SnpReport;
  readonly product: SnpProduct;
  readonly signingKey: SnpSigningKey;
  /** The SPLs certified by the leaf (== REPORTED_TCB). */
  readonly leafTcb: SnpTcb;
  readonly leaf: VerifiedSnpLeaf;
  readonly ark: SnpArkInfo;
}

interface CachedChain {
  readonly chain: VerifiedChain;
  readonly extensions: AmdLeafExtensions;
}

const MAX_CACHE_ENTRIES = 512;

export interface SnpVerifierOptions {
  /** Trust the AMD ARKs embedded in the binary (default true). */
  readonly trustEmbeddedAmdRoots?: boolean;
  /** ARKs (DER) trusted for every call, in addition to each call's `trustedArks`. */
  readonly trustedArks?: readonly Uint8Array[];
}

/** Verifies SNP reports; caches verified chains and imported leaf keys so a repeat costs about one ECDSA verify. */
export class SnpVerifier {
  readonly #trustEmbedded: boolean;
  readonly #trustedArks: readonly Uint8Array[];
  readonly #chains = new Map<string, Promise<CachedChain>>();
  readonly #crls = new Map<string, Promise<CheckedCrl>>();
  readonly #anchors = new Map<string, TrustAnchor>();
  readonly #leaves = new Map<string, x509.X509Certificate>();

  constructor(opts: SnpVerifierOptions = {}) {
    this.#trustEmbedded = opts.trustEmbeddedAmdRoots ?? true;
    this.#trustedArks = [...(opts.trustedArks ?? [])];
  }

  async verify(input: SnpVerifyInput): Promise<VerifiedSnpReport> {
    checkNow(input.now);
    let report = parseSnpReport(input.report, input.product ? { product: input.product } : {});
    const kind = report.signerInfo.signingKey;
    if (kind === "none") {
      throw new VerificationError(
        "snp_unsigned_report",
        "signerInfo.signingKey: expected vcek or vlek, got none",
        {
          field: "signerInfo.signingKey",
        },
      );
    }
    const leafDer = toDer(input.leaf, "leaf");
    const leafSha256 = sha256Hex(leafDer);
    const product = chooseProduct(
      report,
      input.product,
      readLeafProductName(this.#leafCert(leafDer, leafSha256)),
    );
    if (report.product === undefined) report = parseSnpReport(input.report, { product });
    if (report.tcbLayout !== layoutForProduct(product)) {
      throw new VerificationError(
        "snp_product_mismatch",
        `cpuid: expected the tcb layout of ${product}, got ${report.tcbLayout}`,
        { field: "cpuid" },
      );
    }
    const cached = await this.#verifyChain(input, leafDer, leafSha256, product, kind);
    // The signature is checked before any claim in the report is compared with the certificate.
    if (!(await checkReportSignature(cached.chain.leafKey, report))) {
      throw new VerificationError(
        "snp_bad_signature",
        "signature: expected a valid ecdsa p-384 signature by the leaf key, got one that does not verify",
        { field: "signature" },
      );
    }
    matchLeafToReport(report, cached.extensions, kind, product);
    // Revocation last: it may fetch, so only evidence that is otherwise authentic costs a KDS request.
    const leaf = await this.#checkRevocation(input, cached, leafSha256, product, kind);
    return Object.freeze({
      report,
      product,
      signingKey: kind,
      leafTcb: leaf.extensions.tcb,
      leaf,
      ark: leaf.ark,
    }) as VerifiedSnpReport;
  }

  /** Chain-only verification of a VCEK/VLEK (no report), e.g. to vet a certificate before caching it. */
  async verifyChain(input: SnpLeafChainInput): Promise<VerifiedSnpLeaf> {
    checkNow(input.now);
    const leafDer = toDer(input.leaf, "leaf");
    const sha = sha256Hex(leafDer);
    const cached = await this.#verifyChain(input, leafDer, sha, input.product, input.signingKey);
    return this.#checkRevocation(input, cached, sha, input.product, input.signingKey);
  }

  /** Signatures, names and validity of leaf ← ASK/ASVK ← trusted ARK (cached but for the validity dates). */
  async #verifyChain(
    input: SnpChainInput,
    leafDer: Uint8Array,
    leafSha256: string,
    product: SnpProduct,
    kind: SnpSigningKey,
  ): Promise<CachedChain> {
    const anchors = this.#selectAnchors(input, product);
    const pinned = this.#trustEmbedded ? embeddedIntermediate(product, kind) : undefined;
    const intermediateDer = input.intermediate ? toDer(input.intermediate, "intermediate") : pinned?.der;
    if (!intermediateDer) {
      throw new VerificationError("snp_chain_invalid", "intermediate: expected an ask/asvk, got nothing", {
        field: "intermediate",
      });
    }
    const intermediateSha = input.intermediate ? sha256Hex(intermediateDer) : pinned!.sha256;
    const key = [kind, product, leafSha256, intermediateSha, ...anchors.map((a) => a.sha256)].join(":");
    const cached = await memo(this.#chains, key, async () => {
      const chain = await checkChain({
        leaf: this.#leafCert(leafDer, leafSha256),
        intermediate: parseCertificate(intermediateDer, "intermediate"),
        intermediateDer,
        anchors,
        pinnedIntermediateDer: pinned?.der,
        kind,
        product,
      });
      return { chain, extensions: parseAmdLeafExtensions(chain.leaf, layoutForProduct(product)) };
    });
    checkValidity(cached.chain, input.now);
    return cached;
  }

  /** The CRL of the chain's PKI (revocation.ts), each CRL's signature checked once per verifier. */
  async #checkRevocation(
    input: SnpChainInput,
    cached: CachedChain,
    leafSha256: string,
    product: SnpProduct,
    kind: SnpSigningKey,
  ): Promise<VerifiedSnpLeaf> {
    const ark = cached.chain.ark;
    const revocation = await checkSnpRevocation(
      {
        ark,
        intermediateSerial: cached.chain.intermediateSerial,
        leafSerial: canonicalSerial(cached.chain.leaf.serialNumber),
        product,
        kind,
      },
      input.revocation,
      input.now,
      (der, anchor) =>
        memo(this.#crls, `${sha256Hex(der)}:${anchor.sha256}`, () => checkCrlSignature(der, anchor)),
    );
    const leaf: VerifiedSnpLeaf = Object.freeze({
      product,
      signingKey: kind,
      extensions: cached.extensions,
      leafSha256,
      leafNotAfter: cached.chain.leaf.notAfter,
      ark: Object.freeze({ sha256: ark.sha256, source: ark.source, subject: ark.cert.subject }),
      revocation,
      crlChecked: revocation.checked,
    });
    return leaf;
  }

  /** The ARKs this call may end in: embedded (if trusted) + explicitly trusted; a passed ARK must be one of them. */
  #selectAnchors(input: SnpChainInput, product: SnpProduct): TrustAnchor[] {
    const trusted: TrustAnchor[] = this.#trustEmbedded ? [embeddedArk(product)] : [];
    for (const der of [...this.#trustedArks, ...(input.trustedArks ?? [])]) trusted.push(this.#anchor(der));
    if (input.ark === undefined) {
      if (trusted.length === 0) untrusted("no trusted ark configured");
      return trusted;
    }
    const sha = sha256Hex(toDer(input.ark, "ark"));
    const match = trusted.find((a) => a.sha256 === sha);
    if (!match)
      untrusted(`expected the pinned ark of ${product} or an explicitly trusted ark, got sha-256 ${sha}`);
    return [match];
  }

  #anchor(input: Uint8Array): TrustAnchor {
    const der = toDer(input, "trustedArks");
    const sha = sha256Hex(der);
    let a = this.#anchors.get(sha);
    if (!a) {
      a = Object.freeze({
        cert: parseCertificate(der, "trustedArks"),
        der,
        sha256: sha,
        source: "trusted" as const,
      });
      bounded(this.#anchors).set(sha, a);
    }
    return a;
  }

  #leafCert(der: Uint8Array, sha: string): x509.X509Certificate {
    let c = this.#leaves.get(sha);
    if (!c) {
      c = parseCertificate(der, "leaf");
      bounded(this.#leaves).set(sha, c);
    }
    return c;
  }
}

/** One-shot verification with a fresh verifier trusting the embedded AMD roots (plus `input.trustedArks`). */
export function verifySnpReport(input: SnpVerifyInput): Promise<VerifiedSnpReport> {
  return new SnpVerifier().verify(input);
}

function untrusted(message: string): never {
  throw new VerificationError("snp_untrusted_root", `ark: ${message}`, { field: "ark" });
}

function checkNow(now: unknown): void {
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) {
    throw new ConfigError("snp_verify_options", "now: expected a valid date", { field: "now" });
  }
}

/** Drops the oldest entries so caches stay bounded however many distinct certificates arrive. */
function bounded<K, V>(m: Map<K, V>): Map<K, V> {
  while (m.size >= MAX_CACHE_ENTRIES) m.delete(m.keys().next().value as K);
  return m;
}

/** Caches a promise per key; a rejected promise is removed so a later call retries. */
function memo<V>(m: Map<string, Promise<V>>, key: string, make: () => Promise<V>): Promise<V> {
  let p = m.get(key);
  if (!p) {
    p = make();
    bounded(m).set(key, p);
    p.catch(() => m.delete(key));
  }
  return p;
}
