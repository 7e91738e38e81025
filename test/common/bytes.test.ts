import { describe, expect, test } from "bun:test";
import {
  concatBytes,
  constantTimeEqual,
  fromBase64,
  fromHex,
  toBase64,
  toHex,
} from "../../src/common/bytes.ts";
import { ParseError } from "../../src/common/errors.ts";

describe("fromHex", () => {
  test("round trip → same bytes", () => {
    const b = new Uint8Array([0, 1, 0xab, 0xff]);
    expect(toHex(b)).toBe("0001abff");
    expect(fromHex("0001ABff")).toEqual(b);
  });
  test("odd length → ParseError invalid_hex", () => {
    expect(() => fromHex("abc", "x")).toThrow(ParseError);
    try {
      fromHex("zz", "field.a");
    } catch (e) {
      expect((e as ParseError).code).toBe("invalid_hex");
      expect((e as ParseError).field).toBe("field.a");
    }
  });
  test("wrong length → invalid_length", () => {
    expect(() => fromHex("00", "x", 2)).toThrow(expect.objectContaining({ code: "invalid_length" }));
  });
});

describe("constantTimeEqual", () => {
  test("equal, different, different length", () => {
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([1]), new Uint8Array([1, 2]))).toBe(false);
  });
});

describe("base64", () => {
  test("round trip and strictness", () => {
    const b = concatBytes(new Uint8Array([1, 2, 3]), new Uint8Array([250]));
    expect(fromBase64(toBase64(b))).toEqual(b);
    expect(() => fromBase64("abc")).toThrow(ParseError);
    expect(() => fromBase64("a?c=")).toThrow(ParseError);
  });
});
