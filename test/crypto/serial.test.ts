// Serial numbers compare as integers, however a library prints them.

import { describe, expect, test } from "bun:test";
import { canonicalSerial, generateSerialNumber } from "../../src/crypto/serial.ts";

describe("canonicalSerial", () => {
  test("one serial written padded, unpadded, in upper case or with an odd nibble → one form (a CRL entry finds it)", () => {
    expect(new Set(["00ab12", "AB12", "0ab12", "ab12", "000ab12"].map(canonicalSerial))).toEqual(
      new Set(["ab12"]),
    );
    expect(canonicalSerial("00f1e2d3")).toBe(canonicalSerial("F1E2D3"));
  });
  test("zero in any width → 0; a top bit set → kept as is", () => {
    expect(["0", "000000"].map(canonicalSerial)).toEqual(["0", "0"]);
    expect(canonicalSerial("80")).toBe("80");
  });
});

describe("generateSerialNumber", () => {
  test("all-ones random → positive, 16 octets", () => {
    const hex = generateSerialNumber((n) => new Uint8Array(n).fill(0xff));
    expect(hex).toHaveLength(32);
    expect(Number.parseInt(hex.slice(0, 2), 16)).toBeLessThan(0x80);
  });
});
