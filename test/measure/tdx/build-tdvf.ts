// Builds a small synthetic TDVF image (footer GUID table + "TDVF" descriptor, as OVMF IntelTdx lays them out) for tests.

import { encodeGuid } from "../../../src/common/guid.ts";
import { OVMF_GUID } from "../../../src/measure/ovmf-footer.ts";

export interface TdvfSectionSpec {
  dataOffset: number;
  rawDataSize: number;
  memoryAddress: number;
  memoryDataSize: number;
  type: number;
  attributes: number;
}

/** Where the descriptor is placed, measured from the end of the image. */
export const DESCRIPTOR_FROM_END = 0x400;

/** `size` bytes of deterministic content with the descriptor and footer table written into the last page. */
export function buildTdvfImage(size: number, sections: readonly TdvfSectionSpec[]): Uint8Array {
  const img = new Uint8Array(size).map((_, i) => (i * 31 + 7) & 0xff);
  const dv = new DataView(img.buffer);
  const d = size - DESCRIPTOR_FROM_END;
  dv.setUint32(d, 0x46564454, true);
  dv.setUint32(d + 4, 16 + 32 * sections.length, true);
  dv.setUint32(d + 8, 1, true);
  dv.setUint32(d + 12, sections.length, true);
  sections.forEach((s, i) => {
    const at = d + 16 + 32 * i;
    dv.setUint32(at, s.dataOffset, true);
    dv.setUint32(at + 4, s.rawDataSize, true);
    dv.setBigUint64(at + 8, BigInt(s.memoryAddress), true);
    dv.setBigUint64(at + 16, BigInt(s.memoryDataSize), true);
    dv.setUint32(at + 24, s.type, true);
    dv.setUint32(at + 28, s.attributes, true);
  });
  // Footer: [u32 offset ‖ u16 22 ‖ TDX GUID] [u16 total 40 ‖ footer GUID] [32-byte reset area].
  const footer = size - 32 - 18;
  const entry = footer - 22;
  dv.setUint32(entry, DESCRIPTOR_FROM_END, true);
  dv.setUint16(entry + 4, 22, true);
  img.set(encodeGuid(OVMF_GUID.tdxMetadataOffset, "efi"), entry + 6);
  dv.setUint16(footer, 40, true);
  img.set(encodeGuid(OVMF_GUID.footer, "efi"), footer + 2);
  return img;
}

/** The synthetic image's size, and its sections: BFV, CFV, TEMP_MEM, PERM_MEM (PAGE_AUG), a zero-filled payload. */
export const SAMPLE_SIZE = 0x4000;
export const SAMPLE_SECTIONS: readonly TdvfSectionSpec[] = [
  {
    dataOffset: 0,
    rawDataSize: 0x2000,
    memoryAddress: 0xffffc000,
    memoryDataSize: 0x2000,
    type: 0,
    attributes: 1,
  }, // BFV
  {
    dataOffset: 0x2000,
    rawDataSize: 0x1000,
    memoryAddress: 0xffffe000,
    memoryDataSize: 0x1000,
    type: 1,
    attributes: 0,
  }, // CFV
  { dataOffset: 0, rawDataSize: 0, memoryAddress: 0x800000, memoryDataSize: 0x2000, type: 3, attributes: 0 }, // TEMP_MEM
  { dataOffset: 0, rawDataSize: 0, memoryAddress: 0x1000000, memoryDataSize: 0x1000, type: 4, attributes: 2 }, // PERM_MEM, PAGE_AUG
  {
    dataOffset: 0x3000,
    rawDataSize: 0x800,
    memoryAddress: 0x900000,
    memoryDataSize: 0x1000,
    type: 5,
    attributes: 1,
  }, // payload, zero-filled
];
