// Serial numbers compare as integers, however a library prints them.

import { describe, expect, test } from "bun:test";
import { canonicalSerial, generateSerialNumber } from "../../src/crypto/serial.ts";

describe("canonicalSerial", () => {
  const rows: [string, string][] = [
    ["00ab12", "ab12"],
    ["AB12", "ab12"],
    ["0ab12", "ab12"],
    ["000000", "0"],
    ["0", "0"],
    ["80", "80"],
  ];
  for (const [given, canonical] of rows) {
    test(`${given} → ${canonical}`, () => expect(canonicalSerial(given)).toBe(canonical));
  }
  test("a DER-padded serial and the same serial unpadded → equal (a CRL entry finds its certificate)", () => {
    expect(canonicalSerial("00f1e2d3")).toBe(canonicalSerial("F1E2D3"));
  });
});

describe("generateSerialNumber", () => {
  test("all-ones random → positive, 16 octets", () => {
    const hex = generateSerialNumber((n) => new Uint8Array(n).fill(0xff));
    expect(hex).toHaveLength(32);
    expect(Number.parseInt(hex.slice(0, 2), 16)).toBeLessThan(0x80);
  });
});
