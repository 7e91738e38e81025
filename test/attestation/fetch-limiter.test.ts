// FetchLimiter: one fetch per key, bounded memory, bounded concurrency and queue; counts asserted, never times.

import { describe, expect, test } from "bun:test";
import { FetchLimiter, type FetchLimiterOptions } from "../../src/attestation/fetch-limiter.ts";
import { UnavailableError } from "../../src/common/errors.ts";

function limiter(o: Partial<FetchLimiterOptions> = {}, clock = { t: 0 }) {
  return new FetchLimiter<string>({
    maxConcurrent: 2,
    maxWaiting: 8,
    maxEntries: 16,
    successTtlMs: Number.POSITIVE_INFINITY,
    failureTtlMs: 1000,
    what: "test",
    now: () => clock.t,
    ...o,
  });
}

/** A fetch that stays pending until `release()`; counts how many were started. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => {
    open = r;
  });
  let started = 0;
  return {
    fetch: (v: string) => async () => {
      started++;
      await opened;
      return v;
    },
    release: () => open(),
    started: () => started,
  };
}

describe("FetchLimiter.run", () => {
  test("same key requested 50 times at once → one fetch, every caller gets its value", async () => {
    const l = limiter();
    const g = gate();
    const all = Array.from({ length: 50 }, () => l.run("k", g.fetch("v")));
    g.release();
    expect(await Promise.all(all)).toEqual(Array(50).fill("v"));
    expect(l.stats().fetches).toBe(1);
  });

  test("success remembered forever (immutable); with ttl 0 only shared while in flight", async () => {
    const l = limiter();
    for (let i = 0; i < 5; i++) await l.run("k", async () => "v");
    expect(l.stats().fetches).toBe(1);
    const shared = limiter({ successTtlMs: 0 });
    for (let i = 0; i < 5; i++) await shared.run("k", async () => "v");
    expect(shared.stats().fetches).toBe(5);
  });

  test("failure remembered for failureTtlMs, fetched again after it", async () => {
    const clock = { t: 0 };
    const l = limiter({}, clock);
    const fail = async (): Promise<string> => {
      throw new UnavailableError("collateral_not_found", "404");
    };
    for (let i = 0; i < 5; i++) await l.run("bad", fail).catch(() => {});
    expect(l.stats().fetches).toBe(1);
    clock.t = 1001;
    await l.run("bad", fail).catch(() => {});
    expect(l.stats().fetches).toBe(2);
  });

  test("100 distinct keys at once → 2 in flight, 8 waiting, 90 refused with collateral_busy", async () => {
    const l = limiter();
    const g = gate();
    const calls = Array.from({ length: 100 }, (_, i) => l.run(`chip-${i}`, g.fetch(`v${i}`)));
    expect(g.started()).toBe(2);
    g.release();
    const results = await Promise.allSettled(calls);
    const refused = results.filter((r) => r.status === "rejected");
    expect(refused).toHaveLength(90);
    for (const r of refused) expect((r as PromiseRejectedResult).reason.code).toBe("collateral_busy");
    expect(l.stats()).toMatchObject({ fetches: 10, refused: 90, peakInFlight: 2 });
  });

  test("queue full, a remembered key → answered from memory, not refused", async () => {
    const l = limiter();
    await l.run("known", async () => "honest");
    const g = gate();
    const flood = Array.from({ length: 20 }, (_, i) => l.run(`chip-${i}`, g.fetch("x")));
    expect(await l.run("known", async () => "refetched")).toBe("honest");
    g.release();
    await Promise.allSettled(flood);
    expect(l.stats().fetches).toBe(11);
  });

  test("1000 distinct keys one after another → at most maxEntries remembered", async () => {
    const l = limiter();
    for (let i = 0; i < 1000; i++) await l.run(`chip-${i}`, async () => "v");
    expect(l.stats().entries).toBe(16);
    expect(l.stats().fetches).toBe(1000);
  });
});
