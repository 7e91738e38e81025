import { describe, expect, test } from "bun:test";
import { parseTdxQuote } from "../../../src/attestation/tdx/abi.ts";
import { toHex } from "../../../src/common/bytes.ts";
import { ParseError } from "../../../src/common/errors.ts";
import { expectError } from "../../support/expect-error.ts";
import { QUOTES, readTdx } from "./vectors.ts";

function setU16(b: Uint8Array, off: number, v: number): Uint8Array {
  const out = b.slice();
  new DataView(out.buffer).setUint16(off, v, true);
  return out;
}

function setU32(b: Uint8Array, off: number, v: number): Uint8Array {
  const out = b.slice();
  new DataView(out.buffer).setUint32(off, v, true);
  return out;
}

// Offsets in the v4 SPR quote (Intel TDX DCAP Quoting Library API, quote v4/v5): signature data size at 0x278, then signature data.
const SIG_SIZE = 0x278;
const SIG_START = SIG_SIZE + 4;
const CERT_TYPE = SIG_START + 128;
const CERT_SIZE = CERT_TYPE + 2;
const QE_AUTH_SIZE = CERT_SIZE + 4 + 384 + 64;
const INNER_TYPE = QE_AUTH_SIZE + 2 + 32;
const INNER_SIZE = INNER_TYPE + 2;

describe("parseTdxQuote", () => {
  const spr = readTdx(QUOTES.spr);

  test("v4 SPR quote with 39 trailing bytes → fields of the README, padding dropped", () => {
    const q = parseTdxQuote(spr);
    expect(spr.length).toBe(4974);
    expect(q.raw.length).toBe(4974 - 39);
    expect(q.header.version).toBe(4);
    expect(toHex(q.header.qeVendorId)).toBe("939a7233f79c4ca9940a0db3957f0607");
    expect(q.body.bodyType).toBe(2);
    expect(toHex(q.body.teeTcbSvn)).toBe("03000400000000000000000000000000");
    expect(q.body.tdAttributes).toBe(0x40000000n);
    expect(q.body.xfam).toBe(0x61ae7n);
    expect(toHex(q.body.mrTd)).toBe(
      "6363b8043668a3ad953278e10389574d326c6749fb78aa810ecd9336923db86f22fc00b8dcd404bc10d5e119d7215cbb",
    );
    expect(toHex(q.body.mrSeam).startsWith("2fd279c1")).toBe(true);
    expect(toHex(q.body.rtmrs[0]).startsWith("2927da70")).toBe(true);
    expect(toHex(q.body.rtmrs[3])).toBe("00".repeat(48));
    expect(toHex(q.body.reportData)).toBe(
      "6c62dec1b8191749a31dab490be532a35944dea47caef1f980863993d9899545eb7406a38d1eed313b987a467dacead6f0c87a6d766c66f6f29f8acb281f1113",
    );
    expect(q.signedBytes.length).toBe(0x278);
    expect(q.qeReport.isvSvn).toBe(4);
    expect(q.qeAuthData.length).toBe(32);
    expect(q.pckChainPem.match(/BEGIN CERTIFICATE/g)?.length).toBe(3);
  });

  test("v5 quote with TDX 1.5 body → body type 3, signed bytes include the 6-byte descriptor", () => {
    const q = parseTdxQuote(readTdx(QUOTES.v5));
    expect(q.header.version).toBe(5);
    expect(q.body.bodyType).toBe(3);
    expect(q.signedBytes.length).toBe(48 + 6 + 648);
    expect(toHex(q.body.teeTcbSvn)).toBe("0b010400000000000000000000000000");
    expect(q.body.tdAttributes).toBe(0x10000000n);
    expect(q.body.xfam).toBe(0x602e7n);
    expect(toHex(q.body.mrTd)).toBe(
      "7348651a34b2d2d3462822e3a750ec6110125f36757c78480bbfc69cc0d21fb001a1ced3ee19747dda8f750c3bc8f876",
    );
    expect(q.body.teeTcbSvn2?.length).toBe(16);
    expect(q.body.mrServiceTd?.length).toBe(48);
    expect(q.qeReport.isvSvn).toBe(7);
    expect(q.pckChainPem.endsWith("\0")).toBe(false);
  });

  test("debug TD quote → DEBUG attribute bit visible", () => {
    const q = parseTdxQuote(readTdx(QUOTES.debug));
    expect(q.body.tdAttributes).toBe(0x10000001n);
    expect(q.body.xfam).toBe(0x642e7n);
    expect(toHex(q.body.mrTd).startsWith("705ee9381b8633a9")).toBe(true);
    expect(toHex(q.body.reportData).startsWith("7c71fe2c86eff65a")).toBe(true);
  });

  test("azure quote with 70 trailing bytes → zero RTMRs, fields of the README", () => {
    const bytes = readTdx(QUOTES.azure);
    const q = parseTdxQuote(bytes);
    expect(bytes.length - q.raw.length).toBe(70);
    expect(toHex(q.body.teeTcbSvn).startsWith("02010600")).toBe(true);
    expect(q.body.tdAttributes).toBe(0n);
    expect(q.body.xfam).toBe(0x618e7n);
    for (const r of q.body.rtmrs) expect(toHex(r)).toBe("00".repeat(48));
  });

  test("parsed fields do not alias the input buffer", () => {
    const bytes = spr.slice();
    const q = parseTdxQuote(bytes);
    bytes.fill(0);
    expect(toHex(q.body.mrTd).startsWith("6363b804")).toBe(true);
  });

  const rows: [string, () => Uint8Array, string][] = [
    ["version 3", () => setU16(spr, 0, 3), "tdx_unsupported_version"],
    ["attestation key type 3 (P-384)", () => setU16(spr, 2, 3), "tdx_unsupported_key_type"],
    ["TEE type 0 (SGX)", () => setU32(spr, 4, 0), "tdx_not_tdx"],
    ["signature data size past the end", () => setU32(spr, SIG_SIZE, 0xffffffff), "tdx_quote_truncated"],
    ["signature data size 1 short", () => setU32(spr, SIG_SIZE, 4299 - 1), "tdx_quote_truncated"],
    ["signature data size 1 long (into padding)", () => setU32(spr, SIG_SIZE, 4299 + 1), "tdx_bad_length"],
    ["outer certification data type 5", () => setU16(spr, CERT_TYPE, 5), "tdx_unsupported_cert_data"],
    ["outer certification data size 1 long", () => setU32(spr, CERT_SIZE, 4165 + 1), "tdx_quote_truncated"],
    ["outer certification data size 1 short", () => setU32(spr, CERT_SIZE, 4165 - 1), "tdx_bad_length"],
    ["QE auth data size 0xffff", () => setU16(spr, QE_AUTH_SIZE, 0xffff), "tdx_quote_truncated"],
    ["inner certification data type 6", () => setU16(spr, INNER_TYPE, 6), "tdx_unsupported_cert_data"],
    ["inner PCK chain size 1 long", () => setU32(spr, INNER_SIZE, 3677 + 1), "tdx_quote_truncated"],
    ["non-ASCII byte in the PCK chain", () => setU16(spr, INNER_SIZE + 4 + 100, 0xffff), "tdx_bad_pck_chain"],
    ["v5 body type 1 (SGX)", () => setU16(readTdx(QUOTES.v5), 48, 1), "tdx_unsupported_body_type"],
    ["v5 body type 3 with the TDX 1.0 size", () => setU32(readTdx(QUOTES.v5), 50, 584), "tdx_bad_length"],
    ["v5 body type 2 with the TDX 1.5 size", () => setU16(readTdx(QUOTES.v5), 48, 2), "tdx_bad_length"],
    ["empty input", () => new Uint8Array(0), "tdx_quote_truncated"],
    ["oversized input", () => new Uint8Array(70_000), "tdx_bad_length"],
  ];
  for (const [name, make, code] of rows) {
    test(`${name} → ParseError ${code}`, () => expectError(() => parseTdxQuote(make()), ParseError, code));
  }

  test("every truncation of the declared quote → ParseError", () => {
    const raw = parseTdxQuote(spr).raw;
    let n = 0;
    for (let len = 0; len < raw.length; len += 7) {
      expect(() => parseTdxQuote(raw.subarray(0, len))).toThrow(ParseError);
      n++;
    }
    expect(n).toBe(Math.ceil(raw.length / 7));
  });
});
