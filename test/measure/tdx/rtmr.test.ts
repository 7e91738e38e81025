// RTMR building blocks: extend, UEFI variable data, separator, EFI action and load-option encodings.

import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { toHex } from "../../../src/common/bytes.ts";
import { sha384 } from "../../../src/common/digest.ts";
import { ParseError } from "../../../src/common/errors.ts";
import {
  digestEfiAction,
  digestSeparator,
  EFI_GLOBAL_VARIABLE_GUID,
  encodeEfiFvLoadOption,
  encodeUefiVariableData,
  extendRtmr,
  replayRtmr,
} from "../../../src/measure/tdx/rtmr.ts";
import { expectError } from "../../support/expect-error.ts";
import { loadVectors } from "../snp/testdata.ts";

describe("encodeEfiFvLoadOption", () => {
  test("UiApp Boot0000 → the vector's input bytes and digest", () => {
    const v = loadVectors().find((x) => x.id === "tdx-boot0000-uiapp")!;
    const bytes = encodeEfiFvLoadOption(
      0x109,
      "UiApp",
      "7cb8bdc9-f8eb-4f34-aaea-3ee4af6516a1",
      "462caa21-7614-4503-836e-8ab6f4662331",
    );
    expect(toHex(bytes)).toBe(v.input_hex!);
    expect(toHex(sha384(bytes))).toBe(v.expected as string);
  });
});

describe("digestSeparator", () => {
  test("→ README separator digest", () => {
    expect(toHex(digestSeparator())).toBe(
      "394341b7182cd227c5c6b07ef8000cdfd86136c4292b8e576573ad7ed9ae41019f5818b4b971c9effc60e1ad9f1289f0",
    );
  });
});

describe("encodeUefiVariableData", () => {
  test("SecureBoot with one data byte → GUID ‖ 10 ‖ 1 ‖ UTF-16LE name ‖ data", () => {
    const b = encodeUefiVariableData(EFI_GLOBAL_VARIABLE_GUID, "SecureBoot", new Uint8Array([1]));
    expect(toHex(b)).toBe(
      `61dfe48bca93d211aa0d00e098032b8c0a000000000000000100000000000000${toHex(new Uint8Array(Buffer.from("SecureBoot", "utf16le")))}01`,
    );
  });
});

describe("extendRtmr", () => {
  test("→ SHA-384(rtmr ‖ digest) computed by node:crypto", () => {
    const rtmr = new Uint8Array(48).fill(1);
    const d = digestEfiAction("Exit Boot Services Invocation");
    const expected = createHash("sha384").update(rtmr).update(d).digest("hex");
    expect(toHex(extendRtmr(rtmr, d))).toBe(expected);
    expect(toHex(replayRtmr([d]))).toBe(
      createHash("sha384").update(new Uint8Array(48)).update(d).digest("hex"),
    );
  });
  test("EFI action digest → SHA-384 of the ASCII text without NUL", () => {
    expect(toHex(digestEfiAction("abc"))).toBe(createHash("sha384").update("abc").digest("hex"));
  });
  test("32-byte digest → ParseError invalid_length", () => {
    expectError(() => extendRtmr(new Uint8Array(48), new Uint8Array(32)), ParseError, "invalid_length");
  });
});
