import { describe, expect, test } from "bun:test";
import { toHex } from "../../src/common/bytes.ts";
import { ParseError } from "../../src/common/errors.ts";
import { decodeDer, encodeBoolean, encodeOctetString, encodeUnsignedInteger } from "../../src/crypto/der.ts";
import { decodePem, decodePemBlocks, encodePem } from "../../src/crypto/pem.ts";
import { expectCode } from "./expect-error.ts";

describe("encodeUnsignedInteger / encodeBoolean / encodeOctetString", () => {
  test("x.690 known encodings → exact der", () => {
    const rows: [Uint8Array, string][] = [
      [encodeUnsignedInteger(0), "020100"],
      [encodeUnsignedInteger(127), "02017f"],
      [encodeUnsignedInteger(128), "02020080"],
      [encodeUnsignedInteger(256), "02020100"],
      [encodeUnsignedInteger(2n ** 64n - 1n), "020900ffffffffffffffff"],
      [encodeBoolean(true), "0101ff"],
      [encodeBoolean(false), "010100"],
      [encodeOctetString(new Uint8Array([1, 2])), "04020102"],
    ];
    for (const [got, want] of rows) expect(toHex(got)).toBe(want);
    expect(rows.length).toBe(8);
  });

  test("negative integer → RangeError", () => {
    expect(() => encodeUnsignedInteger(-1)).toThrow(RangeError);
  });
});

describe("decodeDer", () => {
  test("truncated or trailing bytes → ParseError invalid_der", async () => {
    await expectCode(() => decodeDer(new Uint8Array([0x04, 0x03, 0x01]), "x"), ParseError, "invalid_der");
    await expectCode(
      () => decodeDer(new Uint8Array([0x04, 0x01, 0x01, 0x00]), "x"),
      ParseError,
      "invalid_der",
    );
  });
});

describe("encodePem / decodePem", () => {
  test("round trip with 64-column lines → same der", () => {
    const der = new Uint8Array(100).map((_, i) => i);
    const pem = encodePem("CERTIFICATE", der);
    expect(pem.split("\n")[1]?.length).toBe(64);
    expect(toHex(decodePem(pem, ["CERTIFICATE"]).der)).toBe(toHex(der));
  });

  test("two blocks → decodePemBlocks returns both; decodePem refuses", async () => {
    const two = encodePem("CERTIFICATE", new Uint8Array([1])) + encodePem("CERTIFICATE", new Uint8Array([2]));
    expect(decodePemBlocks(two).length).toBe(2);
    await expectCode(() => decodePem(two, ["CERTIFICATE"]), ParseError, "invalid_pem");
  });
});
