// VCEK fetches on behalf of a requester: the chip ID and TCB come from a report nobody has verified yet, so they are
// attacker-chosen. One fetch per (product, chip ID, TCB), results kept in a bounded map, few fetches in flight, a
// short queue, and refusal (`collateral_busy`) beyond it: many distinct chip IDs cost bounded memory and fetches, and
// never make an honest request with a known chip wait behind them.

import { toHex } from "../../common/bytes.ts";
import { FetchLimiter, type FetchLimiterStats } from "../fetch-limiter.ts";
import type { KdsClient, KdsProduct, KdsTcb } from "./kds.ts";

export interface VcekFetcher {
  getVcek(product: KdsProduct, chipId: Uint8Array, tcb: KdsTcb): Promise<Uint8Array>;
  stats(): FetchLimiterStats;
}

export interface VcekFetcherLimits {
  readonly maxConcurrent?: number;
  readonly maxWaiting?: number;
  readonly maxEntries?: number;
  readonly failureTtlMs?: number;
}

export function createVcekFetcher(kds: KdsClient, limits: VcekFetcherLimits = {}): VcekFetcher {
  const limiter = new FetchLimiter<Uint8Array>({
    maxConcurrent: limits.maxConcurrent ?? 2,
    maxWaiting: limits.maxWaiting ?? 8,
    // A VCEK is about 1.4 KB: 1024 of them stay under 2 MB.
    maxEntries: limits.maxEntries ?? 1024,
    successTtlMs: Number.POSITIVE_INFINITY, // a VCEK for (chip, TCB) never changes (AMD VCEK/KDS interface spec #57230, KDS URLs)
    failureTtlMs: limits.failureTtlMs ?? 60_000,
    what: "kds vcek",
  });
  return {
    getVcek(product, chipId, tcb) {
      const t = [tcb.fmc ?? "-", tcb.bootloader, tcb.tee, tcb.snp, tcb.microcode].join("/");
      return limiter.run(`${product}:${toHex(chipId)}:${t}`, () => kds.getVcek(product, chipId, tcb));
    },
    stats: () => limiter.stats(),
  };
}
