import { describe, expect, test } from "bun:test";
import { parseTdxQuote } from "../../../src/attestation/tdx/abi.ts";
import { verifyPckChain } from "../../../src/attestation/tdx/pck-chain.ts";
import { parsePckExtension } from "../../../src/attestation/tdx/pck-extension.ts";
import { fromHex, toHex } from "../../../src/common/bytes.ts";
import { ParseError } from "../../../src/common/errors.ts";
import { expectError } from "../../support/expect-error.ts";
import { QUOTES, readTdx } from "./vectors.ts";

async function extensionOf(name: string) {
  return (await verifyPckChain(parseTdxQuote(readTdx(name)).pckChainPem)).extension;
}

/** DER of SEQUENCE { SEQUENCE { OID 1.2.840.113741.1.13.1.4, OCTET STRING(n) } } for malformed-FMSPC rows. */
function fmspcOnly(len: number): Uint8Array {
  const oid = fromHex("060a2a864886f84d010d0104");
  const inner = new Uint8Array([0x04, len, ...new Uint8Array(len)]);
  const pair = new Uint8Array([0x30, oid.length + inner.length, ...oid, ...inner]);
  return new Uint8Array([0x30, pair.length, ...pair]);
}

describe("parsePckExtension", () => {
  test("SPR PCK → FMSPC, PCESVN, CPUSVN, SGX type, PIID of the README", async () => {
    const ext = await extensionOf(QUOTES.spr);
    expect(toHex(ext.fmspc)).toBe("50806f000000");
    expect(ext.tcb.pceSvn).toBe(11);
    expect(toHex(ext.tcb.cpuSvn)).toBe("03030202020100020000000000000000");
    expect(ext.tcb.sgxTcbComponents.slice(0, 8)).toEqual([3, 3, 2, 2, 2, 1, 0, 2]);
    expect(ext.sgxType).toBe("scalable");
    expect(toHex(ext.platformInstanceId!).startsWith("8c314d17")).toBe(true);
    expect(toHex(ext.pceId)).toBe("0000");
    expect(ext.ppid.length).toBe(16);
    expect(ext.configuration).toEqual({ dynamicPlatform: true, cachedKeys: false, smtEnabled: true });
  });

  test("debug TD PCK → SGX comps 5,5,13,2,3,1,0,3 and PCESVN 11", async () => {
    const ext = await extensionOf(QUOTES.debug);
    expect(ext.tcb.sgxTcbComponents.slice(0, 8)).toEqual([5, 5, 13, 2, 3, 1, 0, 3]);
    expect(ext.tcb.pceSvn).toBe(11);
    expect(toHex(ext.fmspc)).toBe("50806f000000");
  });

  test("v5 and azure PCKs → their FMSPCs", async () => {
    expect(toHex((await extensionOf(QUOTES.v5)).fmspc)).toBe("90c06f000000");
    expect((await extensionOf(QUOTES.v5)).tcb.pceSvn).toBe(13);
    expect(toHex((await extensionOf(QUOTES.azure)).fmspc)).toBe("00806f050000");
  });

  const rows: [string, Uint8Array][] = [
    ["empty input", new Uint8Array(0)],
    ["not a SEQUENCE", fromHex("0401ff")],
    ["trailing bytes", fromHex("300000")],
    ["only an FMSPC (required fields missing)", fmspcOnly(6)],
    ["FMSPC of 5 bytes", fmspcOnly(5)],
  ];
  for (const [name, der] of rows) {
    test(`${name} → ParseError`, () => {
      expectError(() => parsePckExtension(der), ParseError, "tdx_bad_pck_extension");
    });
  }
});
