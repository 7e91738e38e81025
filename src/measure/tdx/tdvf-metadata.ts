// TDVF metadata: the "TDVF" descriptor located via the OVMF footer table and its sections (edgelesssys/contrast tools/tdx-measure/tdvf.go, TDVF metadata).

import { view } from "../../common/bytes.ts";
import { ParseError } from "../../common/errors.ts";
import { OVMF_GUID, parseOvmfFooterTable, readFooterU32 } from "../ovmf-footer.ts";

export const TDVF_PAGE_SIZE = 4096;

/** Section types (TDVF spec). */
export const TdvfSectionType = {
  Bfv: 0,
  Cfv: 1,
  TdHob: 2,
  TempMem: 3,
  PermMem: 4,
  Payload: 5,
  PayloadParam: 6,
  TdInfo: 7,
} as const;

/** Attribute bits: extend contents into MRTD; add pages later (TDH.MEM.PAGE.AUG), not at build time. */
export const TdvfAttribute = { MrExtend: 1, PageAug: 2 } as const;

export interface TdvfSection {
  readonly dataOffset: number;
  readonly rawDataSize: number;
  readonly memoryAddress: number;
  readonly memoryDataSize: number;
  readonly type: number;
  readonly attributes: number;
}

const TDVF_SIGNATURE = 0x46564454; // "TDVF" little-endian
const DESCRIPTOR_SIZE = 16;
const SECTION_SIZE = 32;
/** At most 4 GiB of pages across all sections: bounds the work of measuring untrusted metadata. */
export const MAX_TDVF_PAGES = 0x10_0000;
const MAX_GPA = 2 ** 52;

function fail(message: string): never {
  throw new ParseError("tdvf_bad_metadata", `tdvf metadata: ${message}`, { field: "ovmf" });
}

function readU64(dv: DataView, at: number, what: string): number {
  const v = dv.getBigUint64(at, true);
  if (v > BigInt(MAX_GPA)) fail(`${what}: expected a value below 2^52, got 0x${v.toString(16)}`);
  return Number(v);
}

/**
 * Parses the TDVF descriptor. Section data offsets are not checked against the image length here
 * (a firmware suffix still parses); computeMrtd checks them before reading.
 */
export function parseTdvfMetadata(image: Uint8Array): readonly TdvfSection[] {
  const payload = parseOvmfFooterTable(image).get(OVMF_GUID.tdxMetadataOffset);
  if (payload === undefined) fail("expected a TDX metadata entry in the ovmf footer table, got none");
  const offsetFromEnd = readFooterU32(payload, 0, OVMF_GUID.tdxMetadataOffset);
  const start = image.length - offsetFromEnd;
  if (offsetFromEnd < DESCRIPTOR_SIZE || start < 0)
    fail(`expected descriptor offset from end in 16..${image.length}, got ${offsetFromEnd}`);
  const dv = view(image);
  const signature = dv.getUint32(start, true);
  const length = dv.getUint32(start + 4, true);
  const version = dv.getUint32(start + 8, true);
  const count = dv.getUint32(start + 12, true);
  if (signature !== TDVF_SIGNATURE) fail(`expected signature "TDVF", got 0x${signature.toString(16)}`);
  if (version !== 1) fail(`expected version 1, got ${version}`);
  const expectedLength = DESCRIPTOR_SIZE + SECTION_SIZE * count;
  if (length !== expectedLength || length > offsetFromEnd) {
    fail(
      `expected length ${expectedLength} for ${count} sections within ${offsetFromEnd} bytes, got ${length}`,
    );
  }
  const sections: TdvfSection[] = [];
  let pages = 0;
  for (let i = 0; i < count; i++) {
    const s = readSection(dv, start + DESCRIPTOR_SIZE + i * SECTION_SIZE, i);
    pages += s.memoryDataSize / TDVF_PAGE_SIZE;
    if (pages > MAX_TDVF_PAGES) fail(`expected at most ${MAX_TDVF_PAGES} pages in all sections, got more`);
    sections.push(s);
  }
  return sections;
}

function readSection(dv: DataView, at: number, index: number): TdvfSection {
  const where = `section ${index}`;
  const s: TdvfSection = {
    dataOffset: dv.getUint32(at, true),
    rawDataSize: dv.getUint32(at + 4, true),
    memoryAddress: readU64(dv, at + 8, `${where} memory address`),
    memoryDataSize: readU64(dv, at + 16, `${where} memory size`),
    type: dv.getUint32(at + 24, true),
    attributes: dv.getUint32(at + 28, true),
  };
  if (s.type > TdvfSectionType.TdInfo) fail(`${where}: expected type 0..7, got ${s.type}`);
  if ((s.attributes & ~(TdvfAttribute.MrExtend | TdvfAttribute.PageAug)) !== 0) {
    fail(`${where}: expected attributes within 0x3, got 0x${s.attributes.toString(16)}`);
  }
  if (s.memoryAddress % TDVF_PAGE_SIZE !== 0 || s.memoryDataSize % TDVF_PAGE_SIZE !== 0) {
    fail(
      `${where}: expected page-aligned address and size, got 0x${s.memoryAddress.toString(16)}/0x${s.memoryDataSize.toString(16)}`,
    );
  }
  if (s.memoryAddress + s.memoryDataSize > MAX_GPA) fail(`${where}: expected memory below 2^52`);
  if (s.rawDataSize > s.memoryDataSize) {
    fail(
      `${where}: expected raw size ≤ memory size 0x${s.memoryDataSize.toString(16)}, got 0x${s.rawDataSize.toString(16)}`,
    );
  }
  return s;
}
