import { describe, expect, test } from "bun:test";
import { toHex } from "../../src/common/bytes.ts";
import { ParseError } from "../../src/common/errors.ts";
import { decodeDer, encodeBoolean, encodeOctetString, encodeUnsignedInteger } from "../../src/crypto/der.ts";
import {
  decodePem,
  decodePemBlocks,
  decodePemBundle,
  decodePemDers,
  encodePem,
} from "../../src/crypto/pem.ts";
import { expectCode } from "../support/expect-error.ts";

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

describe("decodePemDers", () => {
  test("blocks of several labels and text around them → the DER of the wanted label, in order", () => {
    const text = `explanatory text\n${encodePem("X509 CRL", new Uint8Array([9]))}${encodePem("CERTIFICATE", new Uint8Array([1]))}\n${encodePem("CERTIFICATE", new Uint8Array([2]))}`;
    expect(decodePemDers(text, "CERTIFICATE").map(toHex)).toEqual(["01", "02"]);
    expect(decodePemDers(text, "X509 CRL").map(toHex)).toEqual(["09"]);
  });
});

describe("decodePemBundle", () => {
  const cert = (b: number) => encodePem("CERTIFICATE", new Uint8Array([b]));
  test("certificates with white space between → every DER", () => {
    expect(decodePemBundle(`\n${cert(1)}\n\n${cert(2)}`, "CERTIFICATE").map(toHex)).toEqual(["01", "02"]);
  });
  const refused: [string, string, number?][] = [
    ["text between blocks", `${cert(1)}junk\n${cert(2)}`],
    ["text after the last block", `${cert(1)}junk`],
    ["another label", `${cert(1)}${encodePem("PRIVATE KEY", new Uint8Array([3]))}`],
    ["no block", "nothing here"],
    ["more blocks than allowed", `${cert(1)}${cert(2)}`, 1],
  ];
  for (const [name, text, max] of refused) {
    test(`${name} → ParseError invalid_pem`, () =>
      expectCode(() => decodePemBundle(text, "CERTIFICATE", "chain", max), ParseError, "invalid_pem"));
  }
});
