// Tests for product identification, TCB encoding/comparison and the policy/platform/signer bit fields.

import { describe, expect, test } from "bun:test";
import {
  decodeGuestPolicy,
  decodePlatformInfo,
  decodeSignerInfo,
  encodeGuestPolicy,
  encodeSignerInfo,
} from "../../../src/attestation/snp/policy-bits.ts";
import { parseProductName, productFromCpuid } from "../../../src/attestation/snp/product.ts";
import { decodeTcb, encodeTcb, tcbComponentsBelow } from "../../../src/attestation/snp/tcb.ts";
import { toHex } from "../../../src/common/bytes.ts";

describe("productFromCpuid", () => {
  const rows: [number, number, string | undefined][] = [
    [0x19, 0x00, "Milan"],
    [0x19, 0x01, "Milan"],
    [0x19, 0x0f, "Milan"],
    [0x19, 0x10, "Genoa"],
    [0x19, 0x11, "Genoa"],
    [0x19, 0x1f, "Genoa"],
    [0x19, 0xa0, "Genoa"],
    [0x19, 0xaf, "Genoa"],
    [0x19, 0x20, undefined],
    [0x19, 0xb0, undefined],
    [0x1a, 0x00, "Turin"],
    [0x1a, 0x11, "Turin"],
    [0x1a, 0x50, undefined],
    [0x17, 0x31, undefined],
  ];
  for (const [fam, model, want] of rows) {
    test(`family 0x${fam.toString(16)} model 0x${model.toString(16)} → ${want ?? "unknown"}`, () => {
      expect(productFromCpuid(fam, model)).toBe(want as never);
    });
  }
});

describe("parseProductName", () => {
  test("with and without stepping → product and stepping; others → undefined", () => {
    expect(parseProductName("Milan-B0")).toEqual({ product: "Milan", stepping: "B0" });
    expect(parseProductName("Genoa")).toEqual({ product: "Genoa", stepping: undefined });
    expect(parseProductName("Turin-B1")).toEqual({ product: "Turin", stepping: "B1" });
    for (const bad of ["milan", "Venice", "Milan-", "Milan-B0x", "", "Genoa B1"])
      expect(parseProductName(bad)).toBeUndefined();
  });
});

describe("decodeTcb", () => {
  test("milan raw 0x7308000000000003 → bl 3, tee 0, snp 8, ucode 115", () => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, 0x7308000000000003n, true);
    expect(decodeTcb(b, "milan")).toEqual({ bootloader: 3, tee: 0, snp: 8, microcode: 115 });
    expect(toHex(encodeTcb(decodeTcb(b, "milan"), "milan"))).toBe(toHex(b));
  });

  test("turin raw 0x6100000005020301 → fmc 1, bl 3, tee 2, snp 5, ucode 97 (and not the milan reading)", () => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, 0x6100000005020301n, true);
    expect(decodeTcb(b, "turin")).toEqual({ fmc: 1, bootloader: 3, tee: 2, snp: 5, microcode: 97 });
    expect(decodeTcb(b, "milan")).not.toEqual({ bootloader: 3, tee: 2, snp: 5, microcode: 97 });
    expect(toHex(encodeTcb(decodeTcb(b, "turin"), "turin"))).toBe(toHex(b));
  });

  test("component comparison → per component, not as one integer", () => {
    const actual = { bootloader: 9, tee: 0, snp: 1, microcode: 200 };
    expect(tcbComponentsBelow(actual, { bootloader: 3, snp: 8 }, "milan")).toEqual(["snp"]);
    expect(tcbComponentsBelow({ fmc: 0, ...actual }, { fmc: 1 }, "turin")).toEqual(["fmc"]);
    expect(tcbComponentsBelow(actual, { fmc: 1 }, "milan")).toEqual([]);
  });

  test("encode out of range → RangeError", () => {
    expect(() => encodeTcb({ bootloader: 256, tee: 0, snp: 0, microcode: 0 }, "milan")).toThrow(RangeError);
  });
});

describe("decodeGuestPolicy", () => {
  test("0x3001f → abi 0.31, smt; 0xb0000 → smt + debug; round trip", () => {
    expect(decodeGuestPolicy(0x3001f)).toMatchObject({ abiMinor: 31, abiMajor: 0, smt: true, debug: false });
    expect(decodeGuestPolicy(0xb0000)).toMatchObject({ smt: true, migrateMa: false, debug: true });
    expect(decodeGuestPolicy(0x70000)).toMatchObject({ migrateMa: true, debug: false });
    for (const raw of [0x20000, 0x3001f, 0xb0000, 0x3ff0305])
      expect(encodeGuestPolicy(decodeGuestPolicy(raw))).toBe(raw);
  });
});

describe("decodePlatformInfo", () => {
  test("0x65 (Turin) → smt, ecc, alias check, bit 6 kept in raw", () => {
    const p = decodePlatformInfo(0x65n);
    expect(p).toMatchObject({
      smtEnabled: true,
      tsmeEnabled: false,
      eccEnabled: true,
      aliasCheckComplete: true,
      tioEnabled: false,
    });
    expect(p.raw).toBe(0x65n);
  });
});

describe("decodeSignerInfo", () => {
  test("0 → vcek; 4 → vlek; 0x1c → none; 0x3 → author key + mask chip key; reserved → undefined", () => {
    expect(decodeSignerInfo(0)?.signingKey).toBe("vcek");
    expect(decodeSignerInfo(4)?.signingKey).toBe("vlek");
    expect(decodeSignerInfo(0x1c)?.signingKey).toBe("none");
    expect(decodeSignerInfo(3)).toEqual({ authorKeyEn: true, maskChipKey: true, signingKey: "vcek" });
    for (const bad of [2 << 2, 6 << 2, 0x20, 0x80000000]) expect(decodeSignerInfo(bad)).toBeUndefined();
    expect(encodeSignerInfo(decodeSignerInfo(7)!)).toBe(7);
  });
});
