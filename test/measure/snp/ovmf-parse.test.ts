// OVMF footer table and SEV metadata parsing against the README's parsed content, plus one-field-broken table tests.

import { describe, expect, test } from "bun:test";
import { toHex, view } from "../../../src/common/bytes.ts";
import { ParseError } from "../../../src/common/errors.ts";
import { encodeGuid, formatGuid } from "../../../src/common/guid.ts";
import { OVMF_GUID, parseOvmfFooterTable } from "../../../src/measure/ovmf-footer.ts";
import { parseOvmfSevInfo } from "../../../src/measure/snp/ovmf-sev.ts";
import { expectError } from "../../support/expect-error.ts";
import { loadFixture } from "./testdata.ts";

const AMDSEV = loadFixture("ovmf_AmdSev_suffix.bin");
const X64 = loadFixture("ovmf_OvmfX64_suffix.bin");
const END = 4096;
const ASEV_AT = END - 0x554;

describe("encodeGuid", () => {
  test("text → mixed-endian bytes → same text", () => {
    const g = "8be4df61-93ca-11d2-aa0d-00e098032b8c";
    expect(toHex(encodeGuid(g, "efi"))).toBe("61dfe48bca93d211aa0d00e098032b8c");
    expect(formatGuid(encodeGuid(g, "efi"), "efi")).toBe(g);
    expect(toHex(encodeGuid(g, "rfc4122"))).toBe("8be4df6193ca11d2aa0d00e098032b8c");
    expect(formatGuid(encodeGuid(g, "rfc4122"), "rfc4122")).toBe(g);
  });
  test("malformed text → ParseError invalid_guid", () => {
    expectError(() => encodeGuid("not-a-guid", "efi"), ParseError, "invalid_guid");
  });
});

describe("parseOvmfFooterTable", () => {
  test("AmdSev suffix → the five README entries", () => {
    const t = parseOvmfFooterTable(AMDSEV);
    expect([...t.keys()].sort()).toEqual(
      [
        OVMF_GUID.sevEsResetBlock,
        OVMF_GUID.sevSecretBlock,
        OVMF_GUID.sevHashTable,
        OVMF_GUID.sevMetadataOffset,
        OVMF_GUID.tdxMetadataOffset,
      ].sort(),
    );
    expect(toHex(t.get(OVMF_GUID.sevEsResetBlock)!)).toBe("04b08000");
    expect(view(t.get(OVMF_GUID.sevMetadataOffset)!).getUint32(0, true)).toBe(0x554);
    expect(view(t.get(OVMF_GUID.tdxMetadataOffset)!).getUint32(0, true)).toBe(0x9d0);
    expect(view(t.get(OVMF_GUID.sevSecretBlock)!).getUint32(0, true)).toBe(0x810000);
    expect(view(t.get(OVMF_GUID.sevSecretBlock)!).getUint32(4, true)).toBe(0xc00);
  });
  test("image without the footer guid → empty table", () => {
    const img = AMDSEV.slice();
    img[END - 32 - 1]! ^= 0xff;
    expect(parseOvmfFooterTable(img).size).toBe(0);
  });
});

describe("parseOvmfSevInfo", () => {
  test("AmdSev suffix → README EIP, hash table and 7 ASEV items", () => {
    const info = parseOvmfSevInfo(AMDSEV);
    expect(info.gpa).toBe(0xfffff000);
    expect(info.sevEsResetEip).toBe(0x80b004);
    expect(info.hashTable).toEqual({ gpa: 0x810c00, size: 0x400 });
    expect(info.sections.map((s) => [s.gpa, s.size, s.type])).toEqual([
      [0x800000, 0x9000, 1],
      [0x80a000, 0x3000, 1],
      [0x80d000, 0x1000, 2],
      [0x80e000, 0x1000, 3],
      [0x80f000, 0x1000, 4],
      [0x810000, 0x1000, 0x10],
      [0x811000, 0xf000, 1],
    ]);
  });
  test("OvmfX64 suffix → no hash table, 6 items ending in a 0x10000 SEC_MEM", () => {
    const info = parseOvmfSevInfo(X64);
    expect(info.hashTable).toBeUndefined();
    expect(info.sections.length).toBe(6);
    expect(info.sections[5]).toEqual({ gpa: 0x810000, size: 0x10000, type: 1 });
    expect(info.sections.some((s) => s.type === 0x10)).toBe(false);
  });

  // Baseline: the AmdSev suffix; each row breaks one field and names the expected code.
  const rows: [string, (img: Uint8Array) => Uint8Array, string][] = [
    ["empty image", () => new Uint8Array(0), "ovmf_bad_size"],
    ["size not a page multiple", (img) => img.slice(1), "ovmf_bad_size"],
    ["footer table length 0", (img) => set16(img, END - 50, 0), "ovmf_bad_footer"],
    ["footer table length beyond image", (img) => set16(img, END - 50, 0xffff), "ovmf_bad_footer"],
    ["entry length 0", (img) => set16(img, END - 50 - 18, 0), "ovmf_bad_footer"],
    ["metadata offset beyond image", (img) => set32(img, metaOffsetAt(img), 0x2000), "ovmf_bad_metadata"],
    ["metadata signature", (img) => set32(img, ASEV_AT, 0x41424344), "ovmf_bad_metadata"],
    ["metadata version 2", (img) => set32(img, ASEV_AT + 8, 2), "ovmf_bad_metadata"],
    ["metadata item count too large", (img) => set32(img, ASEV_AT + 12, 0x1000_0000), "ovmf_bad_metadata"],
    ["metadata size smaller than items", (img) => set32(img, ASEV_AT + 4, 20), "ovmf_bad_metadata"],
    ["unknown section type", (img) => set32(img, ASEV_AT + 16 + 8, 9), "ovmf_bad_metadata"],
    ["section gpa not page aligned", (img) => set32(img, ASEV_AT + 16, 0x800010), "ovmf_bad_metadata"],
    ["section size 0", (img) => set32(img, ASEV_AT + 16 + 4, 0), "ovmf_bad_metadata"],
    ["section beyond 4 GiB", (img) => set32(img, ASEV_AT + 16, 0xfffff000), "ovmf_bad_metadata"],
  ];
  for (const [name, mutate, code] of rows) {
    test(`${name} → ParseError ${code}`, () => {
      expectError(() => parseOvmfSevInfo(mutate(AMDSEV.slice())), ParseError, code);
    });
  }
});

function set16(img: Uint8Array, at: number, v: number): Uint8Array {
  view(img).setUint16(at, v, true);
  return img;
}

function set32(img: Uint8Array, at: number, v: number): Uint8Array {
  view(img).setUint32(at, v, true);
  return img;
}

/** File offset of the u32 payload of the SEV metadata offset entry. */
function metaOffsetAt(img: Uint8Array): number {
  const guid = encodeGuid(OVMF_GUID.sevMetadataOffset, "efi");
  for (let i = img.length - 50; i > 0; i--) {
    if (img.subarray(i, i + 16).every((b, j) => b === guid[j])) return i - 6;
  }
  throw new Error("entry not found");
}
