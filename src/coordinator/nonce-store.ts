// Single-use, short-lived nonces for the mesh API: issued by POST /v1/mesh/nonce, consumed by POST /v1/mesh/cert.

import { constantTimeEqual, toHex } from "../common/bytes.ts";

export interface NonceStoreOptions {
  ttlMs?: number;
  maxOutstanding?: number;
  now?: () => number;
  random?: (n: number) => Uint8Array;
}

/**
 * Keeps at most `maxOutstanding` nonces; the oldest are dropped first, so a flood of nonce requests can
 * cost memory only up to that bound and never makes an honest client's fresh nonce unusable for long.
 */
export class NonceStore {
  private readonly ttlMs: number;
  private readonly max: number;
  private readonly now: () => number;
  private readonly random: (n: number) => Uint8Array;
  private readonly issued = new Map<string, { nonce: Uint8Array; expires: number }>();

  constructor(opts: NonceStoreOptions = {}) {
    this.ttlMs = opts.ttlMs ?? 60_000;
    this.max = opts.maxOutstanding ?? 100_000;
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? ((n) => crypto.getRandomValues(new Uint8Array(n)));
  }

  issue(): Uint8Array {
    this.sweep();
    while (this.issued.size >= this.max) {
      const oldest = this.issued.keys().next().value as string;
      this.issued.delete(oldest);
    }
    const nonce = this.random(32);
    this.issued.set(toHex(nonce), { nonce, expires: this.now() + this.ttlMs });
    return nonce;
  }

  /** True exactly once for a nonce issued here and not yet expired. */
  consume(nonce: Uint8Array): boolean {
    const key = toHex(nonce);
    const entry = this.issued.get(key);
    if (!entry) return false;
    this.issued.delete(key);
    return entry.expires >= this.now() && constantTimeEqual(entry.nonce, nonce);
  }

  get size(): number {
    return this.issued.size;
  }

  private sweep(): void {
    const t = this.now();
    for (const [k, v] of this.issued) {
      if (v.expires >= t) break; // insertion order = expiry order (fixed ttl)
      this.issued.delete(k);
    }
  }
}
