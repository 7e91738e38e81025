// AMD Key Distribution Service client: VCEK by chip ID and reported TCB, product cert_chain and CRL (AMD VCEK/KDS interface spec #57230, KDS URLs).

import { X509Certificate, X509Crl } from "@peculiar/x509";
import { toHex } from "../../common/bytes.ts";
import { ParseError } from "../../common/errors.ts";
import { decodePemBlocks } from "../../crypto/pem.ts";
import type { CachedResponse } from "../collateral-cache.ts";
import {
  assertSingleDerSequence,
  type CollateralClientOptions,
  type CollateralFetchOptions,
  crlNextUpdate,
  fetchCollateral,
} from "../collateral-fetch.ts";

/** KDS path names; Genoa-family parts (Bergamo, Siena) use `Genoa`. */
export type KdsProduct = "Milan" | "Genoa" | "Turin";
export type KdsKeyKind = "vcek" | "vlek";

/** REPORTED_TCB components; `fmc` exists only in the Turin layout (AMD SEV-SNP Firmware ABI #56860, TCB_VERSION). */
export interface KdsTcb {
  fmc?: number;
  bootloader: number;
  tee: number;
  snp: number;
  microcode: number;
}

export interface KdsCertChain {
  /** ASK (VCEK chain) or ASVK (VLEK chain), DER. */
  intermediate: Uint8Array;
  /** ARK, DER (self-signed). */
  ark: Uint8Array;
}

/** Response bodies up to 1 MiB by default. */
export interface KdsClientOptions extends CollateralClientOptions {
  /** How long a cached CRL is served without asking KDS (default 24 h; never past the CRL's nextUpdate). */
  crlMaxAgeMs?: number;
}

export interface KdsClient {
  getVcek(product: KdsProduct, chipId: Uint8Array, tcb: KdsTcb): Promise<Uint8Array>;
  getCertChain(product: KdsProduct, kind: KdsKeyKind): Promise<KdsCertChain>;
  getCrl(product: KdsProduct, kind: KdsKeyKind): Promise<Uint8Array>;
}

const PRODUCTS: readonly string[] = ["Milan", "Genoa", "Turin"];
const KINDS: readonly string[] = ["vcek", "vlek"];

export function createKdsClient(opts: KdsClientOptions = {}): KdsClient {
  const baseUrl = (opts.baseUrl ?? "https://kdsintf.amd.com").replace(/\/+$/, "");
  const fetchOpts: CollateralFetchOptions = {
    fetch: opts.fetch ?? globalThis.fetch,
    timeoutMs: opts.timeoutMs ?? 10_000,
    retries: opts.retries ?? 2,
    retryDelayMs: opts.retryDelayMs ?? 250,
    maxBytes: opts.maxResponseBytes ?? 1024 * 1024,
    cache: opts.cache,
    now: opts.now ?? (() => new Date()),
  };
  const crlPolicy = { maxAgeMs: opts.crlMaxAgeMs ?? 24 * 3600 * 1000, expiresAt: crlNextUpdate };
  return {
    async getVcek(product, chipId, tcb) {
      const url = buildVcekUrl(baseUrl, product, chipId, tcb);
      const r = await fetchCollateral({ url, policy: "immutable", parse: parseCertDer }, fetchOpts);
      return r.value;
    },
    async getCertChain(product, kind) {
      const url = `${baseUrl}/${checkKind(kind)}/v1/${checkProduct(product)}/cert_chain`;
      const r = await fetchCollateral({ url, policy: "immutable", parse: parseCertChain }, fetchOpts);
      return r.value;
    },
    async getCrl(product, kind) {
      const url = `${baseUrl}/${checkKind(kind)}/v1/${checkProduct(product)}/crl`;
      const r = await fetchCollateral({ url, policy: crlPolicy, parse: parseCrlDer }, fetchOpts);
      return r.value;
    },
  };
}

/**
 * The KDS VCEK URL (AMD VCEK/KDS interface spec #57230, KDS URLs). Milan/Genoa: all 64 CHIP_ID bytes as 128 hex digits and four SPLs; Turin: the first
 * 8 CHIP_ID bytes (the other 56 must be zero) and fmcSPL too. SPLs are decimal without padding (go-sev-guest form).
 */
export function buildVcekUrl(baseUrl: string, product: KdsProduct, chipId: Uint8Array, tcb: KdsTcb): string {
  checkProduct(product);
  if (!(chipId instanceof Uint8Array) || chipId.length !== 64) {
    throw new ParseError("invalid_length", `chipId: expected 64 bytes, got ${chipId?.length ?? "nothing"}`, {
      field: "chipId",
    });
  }
  const spl = (name: keyof KdsTcb) => `${checkSpl(tcb[name], name)}`;
  const base = baseUrl.replace(/\/+$/, "");
  const common = `blSPL=${spl("bootloader")}&teeSPL=${spl("tee")}&snpSPL=${spl("snp")}&ucodeSPL=${spl("microcode")}`;
  if (product === "Turin") {
    if (chipId.subarray(8).some((b) => b !== 0)) {
      throw new ParseError(
        "invalid_chip_id",
        "chipId: expected bytes 8..63 zero for turin, got non-zero bytes",
        {
          field: "chipId",
        },
      );
    }
    return `${base}/vcek/v1/Turin/${toHex(chipId.subarray(0, 8))}?fmcSPL=${spl("fmc")}&${common}`;
  }
  if (tcb.fmc !== undefined) {
    // An fmc component means the TCB was decoded with the Turin layout: wrong for this product (AMD SEV-SNP Firmware ABI #56860, TCB_VERSION).
    throw new ParseError("invalid_tcb", `tcb.fmc: expected nothing for ${product}, got ${tcb.fmc}`, {
      field: "tcb.fmc",
    });
  }
  return `${base}/vcek/v1/${product}/${toHex(chipId)}?${common}`;
}

function checkSpl(v: number | undefined, name: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 255) {
    throw new ParseError("invalid_tcb", `tcb.${name}: expected integer 0..255, got ${String(v)}`, {
      field: `tcb.${name}`,
    });
  }
  return v;
}

function checkProduct(p: string): string {
  if (!PRODUCTS.includes(p)) {
    throw new ParseError(
      "invalid_product",
      `product: expected Milan, Genoa or Turin, got ${JSON.stringify(p)}`,
      {
        field: "product",
      },
    );
  }
  return p;
}

function checkKind(k: string): string {
  if (!KINDS.includes(k)) {
    throw new ParseError("invalid_key_kind", `kind: expected vcek or vlek, got ${JSON.stringify(k)}`, {
      field: "kind",
    });
  }
  return k;
}

function parseCertDer(r: CachedResponse): Uint8Array {
  assertSingleDerSequence(r.body, "vcek");
  new X509Certificate(r.body); // shape only; the verifier checks signature and extensions
  return r.body;
}

function parseCrlDer(r: CachedResponse): Uint8Array {
  assertSingleDerSequence(r.body, "crl");
  new X509Crl(r.body);
  return r.body;
}

/** KDS cert_chain is PEM: the ASK/ASVK first, then the self-signed ARK (AMD VCEK/KDS interface spec #57230, KDS URLs). Anything else is rejected. */
export function parseCertChain(r: CachedResponse): KdsCertChain {
  const ders = decodePemCertificates(new TextDecoder("utf-8", { fatal: true }).decode(r.body));
  const [intermediate, ark] = ders;
  if (ders.length !== 2 || intermediate === undefined || ark === undefined) {
    throw new ParseError("invalid_cert_chain", `cert_chain: expected 2 certificates, got ${ders.length}`);
  }
  const inter = new X509Certificate(intermediate);
  const root = new X509Certificate(ark);
  if (root.subject !== root.issuer || inter.issuer !== root.subject || inter.subject === inter.issuer) {
    throw new ParseError("invalid_cert_chain", "cert_chain: expected intermediate then self-issued ark");
  }
  return { intermediate, ark };
}

function decodePemCertificates(text: string): Uint8Array[] {
  return decodePemBlocks(text, "cert_chain").map(({ label, der }) => {
    if (label !== "CERTIFICATE") {
      throw new ParseError("invalid_cert_chain", `cert_chain: expected CERTIFICATE blocks, got ${label}`);
    }
    assertSingleDerSequence(der, "cert_chain");
    return der;
  });
}
