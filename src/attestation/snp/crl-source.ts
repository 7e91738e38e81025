// Where the SNP verifier fetches CRLs: AMD KDS for a chain ending in an AMD ARK, a configured KDS-shaped server for a
// simulated ARK (none by default, so the sim chain is checked against the CRL its evidence carries and never against
// AMD's). Concurrent requests for one CRL share a fetch, a CRL is kept in memory for a minute (never past its
// nextUpdate), and a failure is remembered briefly so an unreachable KDS costs one timeout per interval, not per request.

import { UnavailableError } from "../../common/errors.ts";
import { crlNextUpdate } from "../collateral-fetch.ts";
import { FetchLimiter } from "../fetch-limiter.ts";
import type { SnpSigningKey } from "./chain.ts";
import type { KdsClient } from "./kds.ts";
import type { SnpProduct } from "./product.ts";
import type { SnpCrlSource, SnpPki } from "./revocation.ts";

export interface KdsCrlSourceOptions {
  /** AMD KDS (base URL `CONTRAST_KDS_URL`, default https://kdsintf.amd.com). */
  readonly amd?: KdsClient;
  /** The simulated TEE's KDS (`CONTRAST_SIM_KDS_URL`); absent = only the CRL in the evidence. */
  readonly simulated?: KdsClient;
  /** How long a failed fetch is remembered (default 30 s). */
  readonly failureTtlMs?: number;
  /** How long a CRL is served from memory before the disk cache is read again (default 60 s, never past nextUpdate). */
  readonly memoryMs?: number;
  readonly now?: () => Date;
}

export function createKdsCrlSource(opts: KdsCrlSourceOptions): SnpCrlSource {
  // Keys are (pki, kind, product): at most 12, so the bounds only matter for concurrency.
  const limiter = new FetchLimiter<Uint8Array>({
    maxConcurrent: 4,
    maxWaiting: 256,
    maxEntries: 32,
    successTtlMs: 0, // freshness is the disk cache's job (until nextUpdate); here fetches are only shared
    failureTtlMs: opts.failureTtlMs ?? 30_000,
    what: "kds crl",
  });
  // Reading and parsing the disk entry costs milliseconds; an admission should not pay that every time.
  const memory = new Map<string, { readonly der: Uint8Array; readonly until: number }>();
  const memoryMs = opts.memoryMs ?? 60_000;
  const now = opts.now ?? (() => new Date());
  return {
    getCrl(pki: SnpPki, product: SnpProduct, kind: SnpSigningKey): Promise<Uint8Array> {
      const key = `${pki}:${kind}:${product}`;
      const t = now().getTime();
      const hit = memory.get(key);
      if (hit !== undefined && t < hit.until) return Promise.resolve(hit.der);
      const client = pki === "amd" ? opts.amd : opts.simulated;
      if (client === undefined) {
        const which = pki === "amd" ? "amd" : "simulated";
        const hint = pki === "amd" ? "" : " (CONTRAST_SIM_KDS_URL)";
        return Promise.reject(
          new UnavailableError(
            "snp_crl_unavailable",
            `crl: no kds is configured for the ${which} ark${hint}`,
          ),
        );
      }
      return limiter.run(key, async () => {
        const der = await client.getCrl(product, kind);
        const next = crlNextUpdate(der)?.getTime() ?? t;
        memory.set(key, { der, until: Math.min(t + memoryMs, next) });
        return der;
      });
    },
  };
}
