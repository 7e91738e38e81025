// Deterministic fuzzing helpers: a seeded PRNG, byte mutations, and the "only ParseError/ConfigError" check.

import { expect } from "bun:test";
import { ConfigError, ParseError } from "../../../src/common/errors.ts";

/** mulberry32: small, fast, deterministic. */
export function createRandom(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % n) >>> 0;
  };
}

const BOUNDARY = [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x1000, 0xffff_ffff, 0x8000_0000];

/** Copies `input` and applies 1–8 mutations (bit flips, boundary u16/u32 values, random bytes) within [from, length). */
export function mutate(input: Uint8Array, rand: (n: number) => number, from = 0): Uint8Array {
  const out = input.slice();
  const dv = new DataView(out.buffer);
  const span = out.length - from;
  const count = 1 + rand(8);
  for (let i = 0; i < count && span > 4; i++) {
    const at = from + rand(span - 4);
    switch (rand(4)) {
      case 0:
        out[at]! ^= 1 << rand(8);
        break;
      case 1:
        dv.setUint32(at, BOUNDARY[rand(BOUNDARY.length)]!, true);
        break;
      case 2:
        dv.setUint16(at, BOUNDARY[rand(BOUNDARY.length)]! & 0xffff, true);
        break;
      default:
        out[at] = rand(256);
    }
  }
  return out;
}

/** Runs `fn`; any thrown error must be a ParseError or ConfigError. Returns "ok" or the error code. */
export function expectOnlyInputErrors(fn: () => unknown): string {
  try {
    fn();
    return "ok";
  } catch (e) {
    if (!(e instanceof ParseError || e instanceof ConfigError)) {
      expect(String(e)).toBe("a ParseError or ConfigError");
    }
    return (e as ParseError).code;
  }
}
