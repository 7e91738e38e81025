import { describe, expect, test } from "bun:test";
import { BoundedPromiseCache, ByteKeyedCache } from "../../../src/attestation/tdx/bounded-cache.ts";
import { TdxVerifier } from "../../../src/attestation/tdx/verify.ts";
import { VerificationError } from "../../../src/common/errors.ts";
import { flipByte, NOW_2023, QUOTES, readTdx } from "./vectors.ts";

describe("ByteKeyedCache.get", () => {
  test("same bytes in a new buffer → cached result, make() called once", async () => {
    const cache = new ByteKeyedCache<number>(4);
    let calls = 0;
    const make = async () => ++calls;
    await cache.get(new Uint8Array([1, 2, 3]), "s", make);
    expect(await cache.get(new Uint8Array([1, 2, 3]), "s", make)).toBe(1);
    expect(calls).toBe(1);
  });

  test("buffer mutated after caching → recomputed, never the old result", async () => {
    const cache = new ByteKeyedCache<string>(4);
    const buf = new Uint8Array(200).fill(7);
    await cache.get(buf, "s", async (c) => String(c[100]));
    buf[100] = 9;
    expect(await cache.get(buf, "s", async (c) => String(c[100]))).toBe("9");
  });

  test("other scope → recomputed", async () => {
    const cache = new ByteKeyedCache<string>(4);
    await cache.get(new Uint8Array([1]), "a", async () => "a");
    expect(await cache.get(new Uint8Array([1]), "b", async () => "b")).toBe("b");
  });

  test("a rejected entry is evicted → next call retries", async () => {
    const cache = new ByteKeyedCache<number>(4);
    await expect(
      cache.get(new Uint8Array([1]), "s", async () => Promise.reject(new Error("x"))),
    ).rejects.toThrow();
    await Bun.sleep(0);
    expect(await cache.get(new Uint8Array([1]), "s", async () => 5)).toBe(5);
  });
});

describe("BoundedPromiseCache.get", () => {
  test("more keys than capacity → oldest evicted, size bounded", async () => {
    const cache = new BoundedPromiseCache<number>(2);
    for (let i = 0; i < 5; i++) await cache.get(String(i), async () => i);
    expect(cache.size).toBe(2);
    expect(await cache.get("0", async () => 99)).toBe(99);
  });
});

describe("TdxVerifier caches", () => {
  test("PCK CRL buffer mutated between calls → tdx_bad_crl_signature on the second call", async () => {
    const v = new TdxVerifier();
    const crl = readTdx("pckcrl_platform_2023.der");
    await v.verify({ quote: readTdx(QUOTES.debug), now: NOW_2023, pckCrl: crl });
    crl[crl.length - 3] = crl[crl.length - 3]! ^ 1;
    const p = v.verify({ quote: readTdx(QUOTES.debug), now: NOW_2023, pckCrl: crl });
    await expect(p).rejects.toBeInstanceOf(VerificationError);
    await p.catch((e: VerificationError) => expect(e.code).toBe("tdx_bad_crl_signature"));
  });

  test("QE report flipped after the genuine one was cached → tdx_bad_qe_signature", async () => {
    const v = new TdxVerifier();
    const spr = readTdx(QUOTES.spr);
    await v.verify({ quote: spr, now: NOW_2023 });
    const p = v.verify({ quote: flipByte(spr, 0x27c + 134 + 0x102), now: NOW_2023 });
    await p.catch((e: VerificationError) => expect(e.code).toBe("tdx_bad_qe_signature"));
    await expect(p).rejects.toBeInstanceOf(VerificationError);
  });
});
