// CRC-32 against its published check value and Bun's own implementation.

import { describe, expect, test } from "bun:test";
import { utf8 } from "../../src/common/bytes.ts";
import { crc32 } from "../../src/common/crc32.ts";

describe("crc32", () => {
  test("check value of '123456789' → 0xcbf43926", () => {
    expect(crc32(utf8("123456789"))).toBe(0xcbf43926);
  });
  test("bytes split into parts → the CRC of their concatenation, as Bun computes it", () => {
    const b = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7919) & 0xff);
    expect(crc32(b.subarray(0, 10), b.subarray(10, 999), b.subarray(999))).toBe(Bun.hash.crc32(b));
    expect(crc32()).toBe(0);
  });
});
