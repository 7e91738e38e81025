// Intel PCS v4 client: TDX TCB info, TDX QE identity, PCK CRL and root CA CRL with their issuer chains (Intel PCS API v4).

import { X509Certificate, X509Crl } from "@peculiar/x509";
import { fromHex, toHex } from "../../common/bytes.ts";
import { ParseError } from "../../common/errors.ts";
import { decodePemDers } from "../../crypto/pem.ts";
import type { CachedResponse } from "../collateral-cache.ts";
import {
  assertSingleDerSequence,
  type CollateralClientOptions,
  type CollateralFetchOptions,
  crlNextUpdate,
  fetchCollateral,
} from "../collateral-fetch.ts";

/** Response bodies up to 4 MiB by default: the processor PCK CRL is the big one. */
export interface PcsClientOptions extends CollateralClientOptions {
  certsBaseUrl?: string;
  /** How long cached TCB info, QE identity and CRLs are served without asking PCS (default 24 h; CRLs never past nextUpdate). */
  maxAgeMs?: number;
}

/** A signed JSON collateral body (exact bytes, never re-serialised) and the PEM chain that signs it. */
export interface PcsSignedJson {
  body: Uint8Array;
  issuerChain: string;
}

export interface PcsCrl {
  crl: Uint8Array;
  issuerChain: string;
}

export type PcsTcbUpdate = "early" | "standard";

export interface PcsClient {
  getTdxTcbInfo(fmspc: string, opts?: { update?: PcsTcbUpdate }): Promise<PcsSignedJson>;
  getTdxQeIdentity(opts?: { update?: PcsTcbUpdate }): Promise<PcsSignedJson>;
  getPckCrl(ca: "platform" | "processor"): Promise<PcsCrl>;
  getRootCaCrl(): Promise<Uint8Array>;
}

export const TCB_INFO_ISSUER_CHAIN = "TCB-Info-Issuer-Chain";
export const QE_IDENTITY_ISSUER_CHAIN = "SGX-Enclave-Identity-Issuer-Chain";
export const PCK_CRL_ISSUER_CHAIN = "SGX-PCK-CRL-Issuer-Chain";

export function createPcsClient(opts: PcsClientOptions = {}): PcsClient {
  const base = (opts.baseUrl ?? "https://api.trustedservices.intel.com").replace(/\/+$/, "");
  const certsBase = (opts.certsBaseUrl ?? "https://certificates.trustedservices.intel.com").replace(
    /\/+$/,
    "",
  );
  const fetchOpts: CollateralFetchOptions = {
    fetch: opts.fetch ?? globalThis.fetch,
    timeoutMs: opts.timeoutMs ?? 10_000,
    retries: opts.retries ?? 2,
    retryDelayMs: opts.retryDelayMs ?? 250,
    maxBytes: opts.maxResponseBytes ?? 4 * 1024 * 1024,
    cache: opts.cache,
    now: opts.now ?? (() => new Date()),
  };
  const policy = { maxAgeMs: opts.maxAgeMs ?? 24 * 3600 * 1000 };
  // A cached CRL is also refetched once its nextUpdate has passed (google/go-tdx-guest verify, as Intel's QVL: CRLs not past nextUpdate).
  const pckCrlPolicy = { ...policy, expiresAt: (v: PcsCrl) => crlNextUpdate(v.crl) };
  const rootCrlPolicy = { ...policy, expiresAt: crlNextUpdate };
  const signedJson = async (url: string, header: string, parse: (r: CachedResponse) => PcsSignedJson) =>
    (await fetchCollateral({ url, policy, keepHeaders: [header], parse }, fetchOpts)).value;
  return {
    async getTdxTcbInfo(fmspc, o) {
      const f = toHex(fromHex(fmspc, "fmspc", 6));
      const url = `${base}/tdx/certification/v4/tcb?fmspc=${f}${updateParam(o?.update)}`;
      return signedJson(url, TCB_INFO_ISSUER_CHAIN, (r) =>
        parseSignedJson(r, "tcbInfo", TCB_INFO_ISSUER_CHAIN, f),
      );
    },
    async getTdxQeIdentity(o) {
      const url = `${base}/tdx/certification/v4/qe/identity${updateParam(o?.update, "?")}`;
      return signedJson(url, QE_IDENTITY_ISSUER_CHAIN, (r) =>
        parseSignedJson(r, "enclaveIdentity", QE_IDENTITY_ISSUER_CHAIN),
      );
    },
    async getPckCrl(ca) {
      if (ca !== "platform" && ca !== "processor") {
        throw new ParseError(
          "invalid_pck_ca",
          `ca: expected platform or processor, got ${JSON.stringify(ca)}`,
          {
            field: "ca",
          },
        );
      }
      const url = `${base}/sgx/certification/v4/pckcrl?ca=${ca}&encoding=der`;
      const keepHeaders = [PCK_CRL_ISSUER_CHAIN];
      const parse = (r: CachedResponse): PcsCrl => ({
        crl: parseCrlDer(r.body, "pck crl"),
        issuerChain: readIssuerChain(r, PCK_CRL_ISSUER_CHAIN),
      });
      return (await fetchCollateral({ url, policy: pckCrlPolicy, keepHeaders, parse }, fetchOpts)).value;
    },
    async getRootCaCrl() {
      const url = `${certsBase}/IntelSGXRootCA.der`;
      const parse = (r: CachedResponse) => parseCrlDer(r.body, "root ca crl");
      return (await fetchCollateral({ url, policy: rootCrlPolicy, parse }, fetchOpts)).value;
    },
  };
}

function updateParam(update: PcsTcbUpdate | undefined, sep = "&"): string {
  if (update === undefined) return "";
  if (update !== "early" && update !== "standard") {
    throw new ParseError(
      "invalid_tcb_update",
      `update: expected early or standard, got ${JSON.stringify(update)}`,
      {
        field: "update",
      },
    );
  }
  return `${sep}update=${update}`;
}

/**
 * Checks the shape only: `{"<key>": {…}, "signature": "<hex>"}`, and for TCB info that it names the requested FMSPC
 * (so a wrong answer is never cached under this URL). Signatures are the verifier's job; the body is kept byte-exact.
 */
function parseSignedJson(r: CachedResponse, key: string, header: string, fmspc?: string): PcsSignedJson {
  const json: unknown = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(r.body));
  const obj = json as Record<string, unknown> | null;
  const inner = obj?.[key] as Record<string, unknown> | undefined;
  if (typeof obj !== "object" || obj === null || typeof inner !== "object" || inner === null) {
    throw new ParseError("invalid_collateral", `${key}: expected an object, got ${typeof inner}`, {
      field: key,
    });
  }
  if (typeof obj.signature !== "string") {
    throw new ParseError("invalid_collateral", `signature: expected hex string, got ${typeof obj.signature}`);
  }
  if (fmspc !== undefined && String(inner.fmspc).toLowerCase() !== fmspc) {
    throw new ParseError("invalid_collateral", `${key}.fmspc: expected ${fmspc}, got ${String(inner.fmspc)}`);
  }
  return { body: r.body, issuerChain: readIssuerChain(r, header) };
}

function parseCrlDer(body: Uint8Array, field: string): Uint8Array {
  assertSingleDerSequence(body, field);
  new X509Crl(body); // shape only; the verifier checks the signature and dates
  return body;
}

/** PCS sends the issuer chain URL-encoded in a header; it must hold at least one certificate. */
function readIssuerChain(r: CachedResponse, header: string): string {
  const raw = r.headers[header.toLowerCase()];
  if (raw === undefined)
    throw new ParseError("invalid_collateral", `${header}: expected a header, got nothing`);
  let pem: string;
  try {
    pem = decodeURIComponent(raw);
  } catch {
    throw new ParseError("invalid_collateral", `${header}: expected url-encoded pem, got malformed escapes`);
  }
  const blocks = decodePemDers(pem, "CERTIFICATE", header);
  if (blocks.length === 0)
    throw new ParseError("invalid_collateral", `${header}: expected pem certificates, got 0`);
  for (const der of blocks) new X509Certificate(der);
  return pem;
}
