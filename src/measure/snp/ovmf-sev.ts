// What an OVMF image tells the SEV launch: AP reset EIP, kernel hash table, "ASEV" metadata (virtee/sev-snp-measure ovmf.py: GUIDed footer table, SEV metadata).

import { view } from "../../common/bytes.ts";
import type { ParseCode } from "../../common/codes.ts";
import { ParseError } from "../../common/errors.ts";
import { OVMF_GUID, parseOvmfFooterTable, readFooterU32 } from "../ovmf-footer.ts";

export const PAGE_SIZE = 4096;
const FOUR_GIB = 0x1_0000_0000;

/** OVMF SEV metadata section types (virtee/sev-snp-measure ovmf.py, OVMF SEV metadata). */
export const SevSectionType = {
  SnpSecMem: 1,
  SnpSecrets: 2,
  Cpuid: 3,
  SvsmCaa: 4,
  SnpKernelHashes: 0x10,
} as const;
export type SevSectionType = (typeof SevSectionType)[keyof typeof SevSectionType];

const KNOWN_SECTION_TYPES: ReadonlySet<number> = new Set(Object.values(SevSectionType));

export interface SevMetadataSection {
  readonly gpa: number;
  readonly size: number;
  readonly type: SevSectionType;
}

export interface OvmfSevInfo {
  /** Guest-physical address of the first image byte: the image ends exactly at 4 GiB. */
  readonly gpa: number;
  /** SEV-ES AP reset EIP from the footer table; undefined when the image has none. */
  readonly sevEsResetEip: number | undefined;
  /** Kernel/initrd/cmdline hash table location; undefined when absent or 0/0 (unsupported). */
  readonly hashTable: { readonly gpa: number; readonly size: number } | undefined;
  /** "ASEV" metadata sections in table order (empty when the image has no SEV metadata). */
  readonly sections: readonly SevMetadataSection[];
}

const METADATA_HEADER = 16;
const METADATA_ITEM = 12;
const ASEV = 0x56455341; // "ASEV" read as little-endian u32

function fail(code: ParseCode, message: string): never {
  throw new ParseError(code, message, { field: "ovmf" });
}

/** Parses the SEV-relevant parts of an OVMF image; the image must be whole pages and at most 4 GiB. */
export function parseOvmfSevInfo(image: Uint8Array): OvmfSevInfo {
  if (image.length === 0 || image.length % PAGE_SIZE !== 0 || image.length > FOUR_GIB) {
    fail(
      "ovmf_bad_size",
      `ovmf: expected a non-empty multiple of 4096 bytes up to 4 GiB, got ${image.length}`,
    );
  }
  const table = parseOvmfFooterTable(image);
  const eipPayload = table.get(OVMF_GUID.sevEsResetBlock);
  const hashPayload = table.get(OVMF_GUID.sevHashTable);
  const metaPayload = table.get(OVMF_GUID.sevMetadataOffset);
  let hashTable: OvmfSevInfo["hashTable"];
  if (hashPayload !== undefined) {
    const gpa = readFooterU32(hashPayload, 0, OVMF_GUID.sevHashTable);
    const size = readFooterU32(hashPayload, 4, OVMF_GUID.sevHashTable);
    if (gpa !== 0 && size !== 0) hashTable = { gpa, size };
  }
  return {
    gpa: FOUR_GIB - image.length,
    sevEsResetEip: eipPayload && readFooterU32(eipPayload, 0, OVMF_GUID.sevEsResetBlock),
    hashTable,
    sections:
      metaPayload === undefined
        ? []
        : parseSevMetadata(image, readFooterU32(metaPayload, 0, OVMF_GUID.sevMetadataOffset)),
  };
}

/** Parses the "ASEV" header found `offsetFromEnd` bytes before the end of the image. */
export function parseSevMetadata(image: Uint8Array, offsetFromEnd: number): readonly SevMetadataSection[] {
  const start = image.length - offsetFromEnd;
  if (offsetFromEnd < METADATA_HEADER || start < 0) {
    fail(
      "ovmf_bad_metadata",
      `ovmf sev metadata: expected offset from end in 16..${image.length}, got ${offsetFromEnd}`,
    );
  }
  const dv = view(image);
  const signature = dv.getUint32(start, true);
  const size = dv.getUint32(start + 4, true);
  const version = dv.getUint32(start + 8, true);
  const count = dv.getUint32(start + 12, true);
  if (signature !== ASEV) {
    fail(
      "ovmf_bad_metadata",
      `ovmf sev metadata: expected signature "ASEV", got 0x${signature.toString(16)}`,
    );
  }
  if (version !== 1) fail("ovmf_bad_metadata", `ovmf sev metadata: expected version 1, got ${version}`);
  const needed = METADATA_HEADER + count * METADATA_ITEM;
  if (size < needed || size > offsetFromEnd) {
    fail(
      "ovmf_bad_metadata",
      `ovmf sev metadata: expected size ${needed}..${offsetFromEnd} for ${count} items, got ${size}`,
    );
  }
  const sections: SevMetadataSection[] = [];
  for (let i = 0; i < count; i++) {
    const at = start + METADATA_HEADER + i * METADATA_ITEM;
    sections.push(
      checkSection(i, dv.getUint32(at, true), dv.getUint32(at + 4, true), dv.getUint32(at + 8, true)),
    );
  }
  return sections;
}

function checkSection(index: number, gpa: number, size: number, type: number): SevMetadataSection {
  const where = `ovmf sev metadata item ${index}`;
  if (!KNOWN_SECTION_TYPES.has(type))
    fail("ovmf_bad_metadata", `${where}: expected a known section type, got 0x${type.toString(16)}`);
  if (gpa % PAGE_SIZE !== 0 || size === 0 || size % PAGE_SIZE !== 0 || gpa + size > FOUR_GIB) {
    fail(
      "ovmf_bad_metadata",
      `${where}: expected page-aligned gpa and non-zero page-multiple size below 4 GiB, got gpa 0x${gpa.toString(16)} size 0x${size.toString(16)}`,
    );
  }
  return { gpa, size, type: type as SevSectionType };
}
