// Fixed-seed fuzzing of parseSnpReport and SnpVerifier.verify: only the project's error classes may escape.

import { describe, expect, test } from "bun:test";
import { parseSnpReport } from "../../../src/attestation/snp/abi.ts";
import { OFF } from "../../../src/attestation/snp/report-layout.ts";
import { SnpVerifier } from "../../../src/attestation/snp/verify.ts";
import { view } from "../../../src/common/bytes.ts";
import { ContrastError } from "../../../src/common/errors.ts";
import { NO_REVOCATION } from "./no-revocation.ts";
import { GOOD_REPORTS, readSnp } from "./testdata.ts";

/** xorshift32: deterministic, so a failure is reproducible from the seed. */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

function mutate(base: Uint8Array, next: () => number): Uint8Array {
  const b = base.slice();
  const flips = 1 + (next() % 4);
  for (let i = 0; i < flips; i++) {
    const pos = next() % b.length;
    b[pos] = next() % 3 === 0 ? next() & 0xff : b[pos]! ^ (1 << (next() % 8));
  }
  return b;
}

/** A random report that passes the header checks more often than pure noise would. */
function plausibleRandom(next: () => number): Uint8Array {
  const b = new Uint8Array(1184);
  for (let i = 0; i < b.length; i += 4) view(b).setUint32(i, next(), true);
  const dv = view(b);
  dv.setUint32(OFF.version, 2 + (next() % 4), true);
  dv.setBigUint64(OFF.policy, 0x30000n | BigInt(next() & 0x3ff00ff), true);
  dv.setUint32(OFF.signatureAlgo, 1, true);
  dv.setUint32(OFF.signerInfo, next() % 2 === 0 ? 0 : 4, true);
  if (next() % 2 === 0) b.fill(0, 0x1f8, 0x2a0);
  b.fill(0, 0x330);
  return b;
}

async function outcome(f: () => unknown): Promise<"ok" | string> {
  try {
    await f();
    return "ok";
  } catch (e) {
    if (e instanceof ContrastError) return e.code;
    throw e;
  }
}

describe("parseSnpReport fuzz", () => {
  test("4000 byte-flip mutations + 1000 plausible randoms + 200 odd lengths → only ParseError", async () => {
    const next = prng(0x5eed);
    const bases = GOOD_REPORTS.map((g) => readSnp(g.report));
    const codes = new Map<string, number>();
    let ran = 0;
    const count = (c: string) => codes.set(c, (codes.get(c) ?? 0) + 1);
    for (let i = 0; i < 4000; i++, ran++)
      count(await outcome(() => parseSnpReport(mutate(bases[i % bases.length]!, next))));
    for (let i = 0; i < 1000; i++, ran++) count(await outcome(() => parseSnpReport(plausibleRandom(next))));
    for (let i = 0; i < 200; i++, ran++)
      count(await outcome(() => parseSnpReport(new Uint8Array(next() % 3000))));
    expect(ran).toBe(5200);
    expect(codes.get("ok")).toBeGreaterThan(500);
    expect(codes.get("snp_report_length")).toBeGreaterThan(190);
  });
});

describe("SnpVerifier.verify fuzz", () => {
  test("2000 report mutations + 300 leaf mutations → only project errors, and no mutated report verifies", async () => {
    const next = prng(0xc0ffee);
    const verifier = new SnpVerifier();
    const codes = new Map<string, number>();
    let ran = 0;
    for (let i = 0; i < 2000; i++, ran++) {
      const g = GOOD_REPORTS[i % GOOD_REPORTS.length]!;
      const report = mutate(readSnp(g.report), next);
      const code = await outcome(() =>
        verifier.verify({ revocation: NO_REVOCATION, report, leaf: readSnp(g.leaf), now: g.now }),
      );
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    for (let i = 0; i < 300; i++, ran++) {
      const g = GOOD_REPORTS[i % GOOD_REPORTS.length]!;
      const leaf = mutate(readSnp(g.leaf), next);
      const code = await outcome(() =>
        verifier.verify({ revocation: NO_REVOCATION, report: readSnp(g.report), leaf, now: g.now }),
      );
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    expect(ran).toBe(2300);
    if (process.env.FUZZ_DEBUG) console.log(codes);
    // A mutation "verifies" only when every flip rewrote a byte with its own value (random byte writes).
    expect(codes.get("ok") ?? 0).toBeLessThan(5);
    expect(codes.get("snp_bad_signature")).toBeGreaterThan(300);
    expect(codes.get("snp_cert_invalid")).toBeGreaterThan(50);
  }, 60_000);
});
