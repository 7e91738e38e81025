// Bounds the fetches a service makes on behalf of requesters who choose the parameters (chip IDs, TCBs): one fetch
// per key at a time, results remembered in a bounded map, at most `maxConcurrent` fetches in flight and `maxWaiting`
// queued behind them; a call beyond that is refused at once instead of waiting, and failures are remembered briefly
// so a flood of one bad key costs one fetch. Memory is bounded by `maxEntries` + the waiting queue.

import { UnavailableError } from "../common/errors.ts";

export interface FetchLimiterOptions {
  /** Fetches in flight at once. */
  readonly maxConcurrent: number;
  /** Calls queued for a free slot; one more is refused with `collateral_busy`. */
  readonly maxWaiting: number;
  /** Results remembered (least recently used dropped first). */
  readonly maxEntries: number;
  /** How long a result is reused: Infinity for immutable values, 0 = shared only while the fetch is in flight. */
  readonly successTtlMs: number;
  /** How long a failure is reused before the key is fetched again. */
  readonly failureTtlMs: number;
  /** What is fetched, for the `collateral_busy` message. */
  readonly what: string;
  /** Monotonic milliseconds (default performance.now). */
  readonly now?: () => number;
}

/** What the limiter did so far: tests assert bounds on these counts. */
export interface FetchLimiterStats {
  /** Fetches started. */
  readonly fetches: number;
  /** Calls refused because the queue was full. */
  readonly refused: number;
  /** Highest number of fetches in flight at once. */
  readonly peakInFlight: number;
  /** Results currently remembered. */
  readonly entries: number;
}

interface Entry<V> {
  readonly promise: Promise<V>;
  settledAt?: number;
  ok?: boolean;
}

export class FetchLimiter<V> {
  readonly #o: FetchLimiterOptions;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry<V>>();
  readonly #waiting: (() => void)[] = [];
  #inFlight = 0;
  #fetches = 0;
  #refused = 0;
  #peak = 0;

  constructor(options: FetchLimiterOptions) {
    this.#o = options;
    this.#now = options.now ?? (() => performance.now());
  }

  /** The remembered result for `key`, or `fetch()` run under the limits. */
  run(key: string, fetch: () => Promise<V>): Promise<V> {
    const hit = this.#entries.get(key);
    if (hit !== undefined) {
      this.#entries.delete(key);
      if (this.#isLive(hit)) {
        this.#entries.set(key, hit); // most recently used last
        return hit.promise;
      }
    }
    if (this.#inFlight >= this.#o.maxConcurrent && this.#waiting.length >= this.#o.maxWaiting) {
      this.#refused++;
      return Promise.reject(
        new UnavailableError(
          "collateral_busy",
          `${this.#o.what}: expected at most ${this.#o.maxConcurrent} fetches in flight and ${this.#o.maxWaiting} waiting, got more; try again later`,
        ),
      );
    }
    const entry: Entry<V> = { promise: this.#schedule(fetch) };
    entry.promise.then(
      () => this.#settle(entry, true),
      () => this.#settle(entry, false),
    );
    this.#entries.set(key, entry);
    while (this.#entries.size > this.#o.maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
    return entry.promise;
  }

  stats(): FetchLimiterStats {
    return {
      fetches: this.#fetches,
      refused: this.#refused,
      peakInFlight: this.#peak,
      entries: this.#entries.size,
    };
  }

  #isLive(e: Entry<V>): boolean {
    if (e.settledAt === undefined) return true;
    const ttl = e.ok ? this.#o.successTtlMs : this.#o.failureTtlMs;
    return this.#now() - e.settledAt < ttl;
  }

  #settle(e: Entry<V>, ok: boolean): void {
    e.settledAt = this.#now();
    e.ok = ok;
  }

  async #schedule(fetch: () => Promise<V>): Promise<V> {
    // A finishing fetch hands its slot straight to the first waiter, so no later caller can overtake the queue.
    if (this.#inFlight >= this.#o.maxConcurrent) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#inFlight++;
    }
    this.#fetches++;
    this.#peak = Math.max(this.#peak, this.#inFlight);
    try {
      return await fetch();
    } finally {
      const next = this.#waiting.shift();
      if (next !== undefined) next();
      else this.#inFlight--;
    }
  }
}
