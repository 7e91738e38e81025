// A seeded, deterministic RandomSource for tests only (xorshift32; not cryptographically secure).

import type { RandomSource } from "../../src/crypto/random.ts";

export function createTestRandom(seed: number): RandomSource {
  let s = seed >>> 0 || 0x9e3779b9;
  return (n: number) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      s >>>= 0;
      out[i] = s & 0xff;
    }
    return out;
  };
}
