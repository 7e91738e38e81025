import { describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { fromHex, toHex } from "../../src/common/bytes.ts";
import { hkdfSha256 } from "../../src/crypto/hkdf.ts";

// RFC 5869 Appendix A, SHA-256 cases 1 and 3.
const VECTORS = [
  {
    name: "rfc 5869 test case 1",
    ikm: "0b".repeat(22),
    salt: "000102030405060708090a0b0c",
    info: "f0f1f2f3f4f5f6f7f8f9",
    length: 42,
    okm: "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
  },
  {
    name: "rfc 5869 test case 3",
    ikm: "0b".repeat(22),
    salt: "",
    info: "",
    length: 42,
    okm: "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
  },
];

describe("hkdfSha256", () => {
  test("rfc 5869 known answers → match", () => {
    let ran = 0;
    for (const v of VECTORS) {
      const okm = hkdfSha256(fromHex(v.ikm), fromHex(v.salt), fromHex(v.info), v.length);
      expect(toHex(okm)).toBe(v.okm);
      ran++;
    }
    expect(ran).toBe(2);
  });

  test("info longer than node:crypto's 1,024-byte limit → derived, and equal to the RFC 5869 construction", () => {
    const info = new Uint8Array(5000).fill(0x61);
    const okm = hkdfSha256(new Uint8Array(32).fill(1), new Uint8Array(32), info, 42);
    // T(1) = HMAC(PRK, info ‖ 0x01), PRK = HMAC(salt, IKM): recomputed here with node's HMAC.
    const prk = createHmac("sha256", new Uint8Array(32)).update(new Uint8Array(32).fill(1)).digest();
    const t1 = createHmac("sha256", prk).update(info).update(Uint8Array.of(1)).digest();
    expect(toHex(okm.subarray(0, 32))).toBe(t1.toString("hex"));
  });

  test("string info → same as its utf-8 bytes", () => {
    const a = hkdfSha256(new Uint8Array(32), new Uint8Array(32), "POD STATE SECRET", 64);
    const b = hkdfSha256(
      new Uint8Array(32),
      new Uint8Array(32),
      new TextEncoder().encode("POD STATE SECRET"),
      64,
    );
    expect(toHex(a)).toBe(toHex(b));
  });

  test("length 0 or above 255·32 → RangeError", () => {
    expect(() => hkdfSha256(new Uint8Array(1), new Uint8Array(0), "", 0)).toThrow(RangeError);
    expect(() => hkdfSha256(new Uint8Array(1), new Uint8Array(0), "", 255 * 32 + 1)).toThrow(RangeError);
  });
});
