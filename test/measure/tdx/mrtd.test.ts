// MRTD of a synthetic TDVF image against a hand-computed expectation (no published TDVF vector exists).

import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { toHex } from "../../../src/common/bytes.ts";
import { ConfigError, ParseError } from "../../../src/common/errors.ts";
import { computeMrtd } from "../../../src/measure/tdx/mrtd.ts";
import { MAX_TDVF_PAGES, parseTdvfMetadata } from "../../../src/measure/tdx/tdvf-metadata.ts";
import { expectError } from "../../support/expect-error.ts";
import { loadFixture } from "../snp/testdata.ts";
import { buildTdvfImage, DESCRIPTOR_FROM_END, SAMPLE_SECTIONS, SAMPLE_SIZE } from "./build-tdvf.ts";

const SIZE = SAMPLE_SIZE;
const SECTIONS = SAMPLE_SECTIONS;
const IMAGE = buildTdvfImage(SIZE, SECTIONS);

/** Independent re-statement of edgelesssys/contrast tools/tdx-measure/mrtd.go with node:crypto over one concatenated buffer. */
function handMrtd(image: Uint8Array, twoPass: boolean, extendAll = false): string {
  const parts: Buffer[] = [];
  const record = (label: string, gpa: number) => {
    const b = Buffer.alloc(128);
    b.write(label, 0, "ascii");
    b.writeBigUInt64LE(BigInt(gpa), 16);
    return b;
  };
  for (const s of SECTIONS) {
    if (s.attributes & 2) continue;
    const mem = Buffer.alloc(s.memoryDataSize);
    Buffer.from(image.subarray(s.dataOffset, s.dataOffset + s.rawDataSize)).copy(mem);
    const extend = extendAll || (s.attributes & 1) === 1;
    const pages = s.memoryDataSize / 4096;
    const extendPage = (p: number) => {
      for (let c = 0; c < 16; c++) {
        const gpa = s.memoryAddress + p * 4096 + c * 256;
        parts.push(record("MR.EXTEND", gpa), mem.subarray(p * 4096 + c * 256, p * 4096 + (c + 1) * 256));
      }
    };
    for (let p = 0; p < pages; p++) {
      parts.push(record("MEM.PAGE.ADD", s.memoryAddress + p * 4096));
      if (extend && !twoPass) extendPage(p);
    }
    if (extend && twoPass) for (let p = 0; p < pages; p++) extendPage(p);
  }
  return createHash("sha384").update(Buffer.concat(parts)).digest("hex");
}

describe("computeMrtd", () => {
  test("single pass (default) → hand-computed MRTD", () => {
    expect(toHex(computeMrtd(IMAGE))).toBe(handMrtd(IMAGE, false));
  });
  test("two pass → hand-computed MRTD, different from single pass", () => {
    const two = toHex(computeMrtd(IMAGE, { pageOrder: "two-pass" }));
    expect(two).toBe(handMrtd(IMAGE, true));
    expect(two).not.toBe(toHex(computeMrtd(IMAGE)));
  });
  test("GCE legacy extend-all → hand-computed MRTD with every section extended", () => {
    expect(toHex(computeMrtd(IMAGE, { extendAllSections: true }))).toBe(handMrtd(IMAGE, false, true));
  });
  test("one BFV byte changed → different MRTD", () => {
    const img = IMAGE.slice();
    img[5]! ^= 1;
    expect(toHex(computeMrtd(img))).not.toBe(toHex(computeMrtd(IMAGE)));
  });
  test("CFV byte changed → same MRTD (CFV is not extended)", () => {
    const img = IMAGE.slice();
    img[0x2005]! ^= 1;
    expect(toHex(computeMrtd(img))).toBe(toHex(computeMrtd(IMAGE)));
  });
  test("firmware suffix fixture → ParseError tdvf_bad_metadata (BFV bytes missing)", () => {
    expectError(() => computeMrtd(loadFixture("ovmf_AmdSev_suffix.bin")), ParseError, "tdvf_bad_metadata");
  });
  test("unknown page order → ConfigError invalid_page_order", () => {
    expectError(
      () => computeMrtd(IMAGE, { pageOrder: "three-pass" as never }),
      ConfigError,
      "invalid_page_order",
    );
  });
});

describe("parseTdvfMetadata", () => {
  const README: [string, number, number][] = [
    ["ovmf_AmdSev_suffix.bin", 0x812000, 0xe000],
    ["ovmf_OvmfX64_suffix.bin", 0x811000, 0xf000],
  ];
  for (const [file, tempGpa, tempSize] of README) {
    test(`${file} → the six README sections`, () => {
      const s = parseTdvfMetadata(loadFixture(file)).map((x) => [
        x.dataOffset,
        x.rawDataSize,
        x.memoryAddress,
        x.memoryDataSize,
        x.type,
        x.attributes,
      ]);
      expect(s).toEqual([
        [0x84000, 0x37c000, 0xffc84000, 0x37c000, 0, 1],
        [0, 0x84000, 0xffc00000, 0x84000, 1, 0],
        [0, 0, tempGpa, tempSize, 3, 0],
        [0, 0, 0x80b000, 0x2000, 3, 0],
        [0, 0, 0x809000, 0x2000, 2, 0],
        [0, 0, 0x800000, 0x6000, 3, 0],
      ]);
    });
  }

  const d = SIZE - DESCRIPTOR_FROM_END;
  const rows: [string, (dv: DataView) => void][] = [
    ["signature", (dv) => dv.setUint32(d, 0x12345678, true)],
    ["version 2", (dv) => dv.setUint32(d + 8, 2, true)],
    ["length not matching the count", (dv) => dv.setUint32(d + 4, 17, true)],
    ["huge section count", (dv) => dv.setUint32(d + 12, 0xffff_ffff, true)],
    ["section type 8", (dv) => dv.setUint32(d + 16 + 24, 8, true)],
    ["unknown attribute bit", (dv) => dv.setUint32(d + 16 + 28, 4, true)],
    ["unaligned memory address", (dv) => dv.setBigUint64(d + 16 + 8, 0xffffc010n, true)],
    ["memory address beyond 2^52", (dv) => dv.setBigUint64(d + 16 + 8, 1n << 60n, true)],
    ["raw size larger than memory size", (dv) => dv.setUint32(d + 16 + 4, 0x3000, true)],
    [
      "more pages than the limit",
      (dv) => dv.setBigUint64(d + 16 + 16, BigInt((MAX_TDVF_PAGES + 1) * 4096), true),
    ],
    ["descriptor offset beyond image", (dv) => dv.setUint32(SIZE - 50 - 22, 0x10000, true)],
  ];
  for (const [name, mutate] of rows) {
    test(`${name} → ParseError tdvf_bad_metadata`, () => {
      const img = IMAGE.slice();
      mutate(new DataView(img.buffer));
      expectError(() => parseTdvfMetadata(img), ParseError, "tdvf_bad_metadata");
    });
  }
  test("image without a TDX footer entry → ParseError tdvf_bad_metadata", () => {
    expectError(() => parseTdvfMetadata(new Uint8Array(4096)), ParseError, "tdvf_bad_metadata");
  });
});
