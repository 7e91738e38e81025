import { describe, expect, test } from "bun:test";
import { parseTdxQuote } from "../../../src/attestation/tdx/abi.ts";
import { splitPemCertificates } from "../../../src/attestation/tdx/pem.ts";
import {
  decodeEcdsaSignature,
  splitSignedCertificate,
  splitSignedCrl,
} from "../../../src/attestation/tdx/signed-der.ts";
import { TdxVerifier } from "../../../src/attestation/tdx/verify.ts";
import { fromHex, toBase64, toHex } from "../../../src/common/bytes.ts";
import { ParseError } from "../../../src/common/errors.ts";
import { expectError } from "../../support/expect-error.ts";
import { NOW_2023, QUOTES, readTdx, withPckChainBytes } from "./vectors.ts";

const r32 = "11".repeat(32);
const s32 = "22".repeat(32);

function toPem(ders: Uint8Array[]): string {
  return ders.map((d) => `-----BEGIN CERTIFICATE-----\n${toBase64(d)}\n-----END CERTIFICATE-----\n`).join("");
}

describe("decodeEcdsaSignature", () => {
  test("canonical r, s → 64-byte r‖s", () => {
    expect(toHex(decodeEcdsaSignature(fromHex(`30440220${r32}0220${s32}`))!)).toBe(r32 + s32);
  });

  test("r with the high bit set carries one zero octet → accepted, zero stripped", () => {
    const r = `80${"00".repeat(31)}`;
    expect(toHex(decodeEcdsaSignature(fromHex(`3045022100${r}0220${s32}`))!)).toBe(r + s32);
  });

  test("short r → left-padded", () => {
    expect(toHex(decodeEcdsaSignature(fromHex(`3025020101` + `0220${s32}`))!).slice(0, 64)).toBe(
      `${"00".repeat(31)}01`,
    );
  });

  const rows: [string, string][] = [
    ["sequence length too short", `30430220${r32}0220${s32}`],
    ["trailing byte", `30450220${r32}0220${s32}00`],
    ["non-minimal leading zero", `3045022100${r32}0220${s32}`],
    ["negative r", `30440220${"80".repeat(32)}0220${s32}`],
    ["r of 33 significant bytes", `3045022101${r32}0220${s32}`],
    ["wrong inner tag", `30440320${r32}0220${s32}`],
    ["long-form sequence length", `308144 0220${r32}0220${s32}`.replace(" ", "")],
    ["empty", ""],
  ];
  for (const [name, hex] of rows) {
    test(`${name} → null`, () => expect(decodeEcdsaSignature(fromHex(hex))).toBeNull());
  }
});

describe("splitSignedCertificate", () => {
  const pem = parseTdxQuote(readTdx(QUOTES.debug)).pckChainPem;
  const [leaf, intermediate, root] = splitPemCertificates(pem, "pckChain") as [
    Uint8Array,
    Uint8Array,
    Uint8Array,
  ];

  test("every PCK chain certificate → TBS + 64-byte signature", () => {
    for (const der of [leaf, intermediate, root])
      expect(splitSignedCertificate(der, "c").signature.length).toBe(64);
  });

  test("intermediate with a shortened signature SEQUENCE length (accepted by a lenient parser) → tdx_bad_certificate", async () => {
    const hex = toHex(intermediate);
    const at = hex.lastIndexOf("03470030440220") / 2 + 3;
    const bad = intermediate.slice();
    bad[at] = 0x3c;
    expectError(() => splitSignedCertificate(bad, "c"), ParseError, "tdx_bad_certificate");
    const quote = withPckChainBytes(readTdx(QUOTES.debug), 0x278, toPem([leaf, bad, root]));
    await expect(new TdxVerifier().verify({ quote, now: NOW_2023 })).rejects.toBeInstanceOf(ParseError);
  });

  test("leaf with a non-canonical outer length → tdx_bad_certificate", () => {
    const bad = leaf.slice();
    bad[3] = bad[3]! - 4;
    expectError(() => splitSignedCertificate(bad, "c"), ParseError, "tdx_bad_certificate");
  });

  test("CRL given as certificate → tdx_bad_certificate", () => {
    expectError(
      () => splitSignedCertificate(readTdx("rootcacrl_2023.der"), "c"),
      ParseError,
      "tdx_bad_certificate",
    );
  });
});

describe("splitSignedCrl", () => {
  test("both Intel CRLs → TBS + 64-byte signature", () => {
    expect(splitSignedCrl(readTdx("pckcrl_platform_2023.der"), "crl").signature.length).toBe(64);
    expect(splitSignedCrl(readTdx("rootcacrl_2023.der"), "crl").signature.length).toBe(64);
  });

  test("truncated CRL → tdx_bad_crl", () => {
    expectError(
      () => splitSignedCrl(readTdx("rootcacrl_2023.der").subarray(0, 200), "crl"),
      ParseError,
      "tdx_bad_crl",
    );
  });
});
