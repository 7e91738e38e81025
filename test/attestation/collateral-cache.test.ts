import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type CachedResponse,
  cacheKey,
  createCollateralCache,
} from "../../src/attestation/collateral-cache.ts";
import {
  assertSingleDerSequence,
  type CollateralFetchOptions,
  type CollateralRequest,
  fetchCollateral,
} from "../../src/attestation/collateral-fetch.ts";
import { ParseError, UnavailableError } from "../../src/common/errors.ts";
import { readTestdata } from "./fixtures/collateral-server.ts";

const tmpRoot = mkdtempSync(join(tmpdir(), "collateral-cache-test-"));
afterAll(() => rmSync(tmpRoot, { recursive: true, force: true }));
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpRoot, "c-"));
});

const URL_A = "https://kdsintf.amd.com/vcek/v1/Milan/crl";
const T0 = Date.parse("2026-03-01T00:00:00Z");
const entry = (body = new Uint8Array([1, 2, 3]), at = T0): CachedResponse => ({
  body,
  headers: { "tcb-info-issuer-chain": "pem" },
  fetchedAt: new Date(at),
});

describe("createCollateralCache", () => {
  test("write then read → same body, headers and time; file named by sha-256 of the url", () => {
    const cache = createCollateralCache(join(dir, "nested"));
    cache.write(URL_A, entry());
    expect(cache.read(URL_A)).toEqual(entry());
    expect(readdirSync(join(dir, "nested"))).toEqual([cacheKey(URL_A)]);
    expect(cacheKey(URL_A)).toMatch(/^[0-9a-f]{64}$/);
  });

  test("absent entry → undefined", () => {
    expect(createCollateralCache(dir).read(URL_A)).toBeUndefined();
  });

  // Each row corrupts a valid stored file one way; every one must read as a miss.
  const corruptions: [string, (b: Uint8Array) => Uint8Array][] = [
    ["truncated body", (b) => b.subarray(0, b.length - 1)],
    ["flipped body byte", (b) => Uint8Array.from(b, (v, i) => (i === b.length - 1 ? v ^ 1 : v))],
    ["bad magic", (b) => Uint8Array.from(b, (v, i) => (i === 0 ? 0x78 : v))],
    ["no newline after metadata", (b) => b.subarray(0, b.indexOf(0x0a, 30))],
    [
      "metadata not json",
      (b) => new TextEncoder().encode(new TextDecoder().decode(b).replace('{"url"', '{url"')),
    ],
    [
      "metadata names another url",
      (b) => new TextEncoder().encode(new TextDecoder().decode(b).replace("crl", "crm")),
    ],
    [
      "bad fetch time",
      (b) => new TextEncoder().encode(new TextDecoder().decode(b).replace("2026-03-01", "2026-13-01")),
    ],
    [
      "header value not a string",
      (b) => new TextEncoder().encode(new TextDecoder().decode(b).replace('"pem"', "7")),
    ],
    ["empty file", () => new Uint8Array(0)],
  ];
  for (const [name, corrupt] of corruptions) {
    test(`${name} → miss`, () => {
      const cache = createCollateralCache(dir);
      cache.write(URL_A, entry());
      const path = join(dir, cacheKey(URL_A));
      writeFileSync(path, corrupt(new Uint8Array(readFileSync(path))));
      expect(cache.read(URL_A)).toBeUndefined();
    });
  }
  test("baseline of the corruption table (identity) → hit", () => {
    const cache = createCollateralCache(dir);
    cache.write(URL_A, entry());
    const path = join(dir, cacheKey(URL_A));
    writeFileSync(path, new Uint8Array(readFileSync(path)));
    expect(cache.read(URL_A)).toEqual(entry());
    expect(corruptions.length).toBe(9);
  });
});

describe("fetchCollateral", () => {
  /** A fetch double: answers from a queue of statuses/bodies, counts calls. */
  function fakeFetch(answers: (number | Uint8Array | Error)[]) {
    const calls: string[] = [];
    const fn = (async (url: string | URL | Request) => {
      calls.push(String(url));
      const a = answers.length > 1 ? answers.shift()! : answers[0]!;
      if (a instanceof Error) throw a;
      if (typeof a === "number") return new Response("x", { status: a });
      return new Response(a, { headers: { "TCB-Info-Issuer-Chain": "chain" } });
    }) as typeof globalThis.fetch;
    return { fn, calls };
  }
  const opts = (f: typeof globalThis.fetch, now: number, withCache = true): CollateralFetchOptions => ({
    fetch: f,
    timeoutMs: 1000,
    retries: 0,
    retryDelayMs: 1,
    maxBytes: 1024,
    cache: withCache ? createCollateralCache(dir) : undefined,
    now: () => new Date(now),
  });
  const req = (policy: CollateralRequest<Uint8Array>["policy"]): CollateralRequest<Uint8Array> => ({
    url: URL_A,
    policy,
    keepHeaders: ["TCB-Info-Issuer-Chain"],
    parse: (r) => {
      if (r.body[0] !== 0x30) throw new ParseError("invalid_der", "body: expected der");
      return r.body;
    },
  });
  const good = new Uint8Array([0x30, 0x01, 0x00]);

  test("miss → network, stored with the kept header (lower-case); hit → cache", async () => {
    const f = fakeFetch([good]);
    const first = await fetchCollateral(req("immutable"), opts(f.fn, T0));
    expect(first).toEqual({ value: good, fetchedAt: new Date(T0), source: "network" });
    expect(createCollateralCache(dir).read(URL_A)?.headers).toEqual({ "tcb-info-issuer-chain": "chain" });
    const second = await fetchCollateral(req("immutable"), opts(f.fn, T0 + 1e12));
    expect(second.source).toBe("cache");
    expect(f.calls.length).toBe(1);
  });

  test("mutable: fresh → cache; expired → network; expired and failing → stale", async () => {
    const f = fakeFetch([good]);
    const policy = { maxAgeMs: 1000 };
    await fetchCollateral(req(policy), opts(f.fn, T0));
    expect((await fetchCollateral(req(policy), opts(f.fn, T0 + 999))).source).toBe("cache");
    expect((await fetchCollateral(req(policy), opts(f.fn, T0 + 1000))).source).toBe("network");
    const down = fakeFetch([new TypeError("connection refused")]);
    const stale = await fetchCollateral(req(policy), opts(down.fn, T0 + 5000));
    expect(stale).toEqual({ value: good, fetchedAt: new Date(T0 + 1000), source: "stale" });
  });

  test("mutable entry dated in the future (clock moved back) → not fresh, refetched", async () => {
    const f = fakeFetch([good]);
    await fetchCollateral(req({ maxAgeMs: 1000 }), opts(f.fn, T0 + 60_000));
    expect((await fetchCollateral(req({ maxAgeMs: 1000 }), opts(f.fn, T0))).source).toBe("network");
  });

  test("expired and 404 → collateral_not_found, stale entry not used", async () => {
    await fetchCollateral(req({ maxAgeMs: 1 }), opts(fakeFetch([good]).fn, T0));
    const p = fetchCollateral(req({ maxAgeMs: 1 }), opts(fakeFetch([404]).fn, T0 + 10));
    await expect(p).rejects.toThrow(expect.objectContaining({ code: "collateral_not_found" }));
  });

  test("cached body the parser now rejects → treated as a miss and refetched", async () => {
    createCollateralCache(dir).write(URL_A, entry(new Uint8Array([0x31])));
    const f = fakeFetch([good]);
    expect((await fetchCollateral(req("immutable"), opts(f.fn, T0))).source).toBe("network");
    expect(f.calls.length).toBe(1);
  });

  test("malformed network body → collateral_unavailable, nothing cached", async () => {
    const p = fetchCollateral(req("immutable"), opts(fakeFetch([new Uint8Array([0x31])]).fn, T0));
    await expect(p).rejects.toThrow(UnavailableError);
    await expect(
      fetchCollateral(req("immutable"), opts(fakeFetch([new Uint8Array([0x31])]).fn, T0)),
    ).rejects.toThrow(expect.objectContaining({ code: "collateral_unavailable" }));
    expect(readdirSync(dir)).toEqual([]);
  });

  test("unwritable cache directory → value still returned", async () => {
    const blocker = join(dir, "file");
    writeFileSync(blocker, "not a dir");
    chmodSync(blocker, 0o400);
    const o = { ...opts(fakeFetch([good]).fn, T0), cache: createCollateralCache(join(blocker, "sub")) };
    expect((await fetchCollateral(req("immutable"), o)).value).toEqual(good);
  });

  test("network error then 200 with retries 1 → network value after 2 calls", async () => {
    const f = fakeFetch([new TypeError("reset"), good]);
    const o = { ...opts(f.fn, T0, false), retries: 1 };
    expect((await fetchCollateral(req("immutable"), o)).value).toEqual(good);
    expect(f.calls.length).toBe(2);
  });

  test("400 → collateral_unavailable, not retried", async () => {
    const f = fakeFetch([400]);
    const o = { ...opts(f.fn, T0, false), retries: 3 };
    await expect(fetchCollateral(req("immutable"), o)).rejects.toThrow(
      expect.objectContaining({ code: "collateral_unavailable" }),
    );
    expect(f.calls.length).toBe(1);
  });

  test("back-off longer than the deadline → collateral_unavailable at the deadline", async () => {
    const f = fakeFetch([503]);
    const o = { ...opts(f.fn, T0, false), retries: 5, retryDelayMs: 10_000, timeoutMs: 100 };
    const start = performance.now();
    await expect(fetchCollateral(req("immutable"), o)).rejects.toThrow(
      expect.objectContaining({ code: "collateral_unavailable" }),
    );
    expect(performance.now() - start).toBeLessThan(1000);
    expect(f.calls.length).toBe(1);
  });
});

describe("assertSingleDerSequence", () => {
  const vcek = readTestdata("snp/milan_v2_gosevguest_vcek.der");
  test("real VCEK and CRL → accepted", () => {
    assertSingleDerSequence(vcek, "vcek");
    assertSingleDerSequence(readTestdata("tdx/rootcacrl_2023.der"), "crl");
    assertSingleDerSequence(new Uint8Array([0x30, 0x00]), "empty");
  });
  const rows: [string, Uint8Array][] = [
    ["trailing byte", new Uint8Array([...vcek, 0])],
    ["truncated", vcek.subarray(0, vcek.length - 1)],
    ["wrong tag", Uint8Array.from(vcek, (v, i) => (i === 0 ? 0x31 : v))],
    ["indefinite length", new Uint8Array([0x30, 0x80, 0, 0])],
    ["length of 5 length bytes", new Uint8Array([0x30, 0x85, 0, 0, 0, 0, 1, 0])],
    ["one byte", new Uint8Array([0x30])],
    ["empty", new Uint8Array(0)],
  ];
  for (const [name, bytes] of rows) {
    test(`${name} → ParseError invalid_der`, () => {
      expect(() => assertSingleDerSequence(bytes, "x")).toThrow(ParseError);
      expect(() => assertSingleDerSequence(bytes, "x")).toThrow(
        expect.objectContaining({ code: "invalid_der" }),
      );
    });
  }
  test("all rows ran", () => expect(rows.length).toBe(7));
});
