// TDX MRTD: SHA-384 over TDH.MEM.PAGE.ADD and TDH.MR.EXTEND records (edgelesssys/contrast tools/tdx-measure/mrtd.go, Dstack-TEE dstack-mr machine.rs).

import { createSha384, type StreamingHash } from "../../common/digest.ts";
import { ConfigError, ParseError } from "../../common/errors.ts";
import { parseTdvfMetadata, TDVF_PAGE_SIZE, TdvfAttribute, type TdvfSection } from "./tdvf-metadata.ts";

/**
 * single-pass: PAGE.ADD then its 16 MR.EXTENDs, page by page (QEMU ≥ 9, GCE, current Contrast);
 * two-pass: all PAGE.ADDs of a section, then all its MR.EXTENDs (QEMU 8.x TDX trees).
 */
export type MrtdPageOrder = "single-pass" | "two-pass";
export const MRTD_PAGE_ORDERS: readonly MrtdPageOrder[] = ["single-pass", "two-pass"];

export interface MrtdOptions {
  readonly pageOrder?: MrtdPageOrder;
  /** Older Google hypervisors extended every section regardless of its attributes. */
  readonly extendAllSections?: boolean;
}

const CHUNK = 256;
const RECORD = 128;

/** 16 × ("MR.EXTEND" record ‖ 256-byte chunk) with the labels pre-filled; GPAs and chunks change per page. */
function createExtendBuffer(): Uint8Array {
  const buf = new Uint8Array((TDVF_PAGE_SIZE / CHUNK) * (RECORD + CHUNK));
  const label = new TextEncoder().encode("MR.EXTEND");
  for (let c = 0; c < TDVF_PAGE_SIZE / CHUNK; c++) buf.set(label, c * (RECORD + CHUNK));
  return buf;
}

/** The running MRTD: everything absorbed is a multiple of 128 bytes, so it is plain streaming SHA-384. */
export class MrtdBuilder {
  readonly #hash: StreamingHash = createSha384();
  readonly #record = new Uint8Array(RECORD);
  readonly #dv = new DataView(this.#record.buffer);
  readonly #extendBuffer = createExtendBuffer();
  readonly #extendView = new DataView(this.#extendBuffer.buffer);

  #header(label: string, gpa: number): Uint8Array {
    this.#record.fill(0);
    for (let i = 0; i < label.length; i++) this.#record[i] = label.charCodeAt(i);
    this.#dv.setBigUint64(16, BigInt(gpa), true);
    return this.#record;
  }

  /** TDH.MEM.PAGE.ADD(gpa): "MEM.PAGE.ADD" ‖ zeros ‖ GPA at 16 ‖ zeros. */
  pageAdd(gpa: number): void {
    this.#hash.update(this.#header("MEM.PAGE.ADD", gpa));
  }

  /** TDH.MR.EXTEND of one 256-byte chunk: "MR.EXTEND" ‖ GPA at 16 record, then the chunk. */
  mrExtend(gpa: number, chunk: Uint8Array): void {
    if (chunk.length !== CHUNK)
      throw new ParseError("invalid_length", `chunk: expected 256 bytes, got ${chunk.length}`);
    this.#hash.update(this.#header("MR.EXTEND", gpa)).update(chunk);
  }

  /** The 16 MR.EXTENDs of one 4 KiB page, absorbed as one 6 KiB buffer (same bytes as 16 mrExtend calls). */
  extendPage(gpa: number, page: Uint8Array): void {
    if (page.length !== TDVF_PAGE_SIZE)
      throw new ParseError("invalid_length", `page: expected 4096 bytes, got ${page.length}`);
    const buf = this.#extendBuffer;
    const dv = this.#extendView;
    for (let c = 0; c < TDVF_PAGE_SIZE / CHUNK; c++) {
      const at = c * (RECORD + CHUNK);
      const chunkGpa = gpa + c * CHUNK;
      dv.setUint32(at + 16, chunkGpa % 0x1_0000_0000, true);
      dv.setUint32(at + 20, Math.floor(chunkGpa / 0x1_0000_0000), true);
      buf.set(page.subarray(c * CHUNK, (c + 1) * CHUNK), at + RECORD);
    }
    this.#hash.update(buf);
  }

  digest(): Uint8Array {
    return this.#hash.digest();
  }
}

/** MRTD of a TDVF/OVMF image from its TDVF metadata. */
export function computeMrtd(image: Uint8Array, options: MrtdOptions = {}): Uint8Array {
  const order = options.pageOrder ?? "single-pass";
  if (!MRTD_PAGE_ORDERS.includes(order)) {
    throw new ConfigError(
      "invalid_page_order",
      `page order: expected single-pass|two-pass, got ${JSON.stringify(order)}`,
      {
        field: "pageOrder",
      },
    );
  }
  const mrtd = new MrtdBuilder();
  for (const [i, s] of parseTdvfMetadata(image).entries()) {
    if (s.attributes & TdvfAttribute.PageAug) continue;
    const extend = options.extendAllSections === true || (s.attributes & TdvfAttribute.MrExtend) !== 0;
    const raw = extend ? sectionBytes(image, s, i) : undefined;
    const pages = s.memoryDataSize / TDVF_PAGE_SIZE;
    for (let p = 0; p < pages; p++) {
      mrtd.pageAdd(s.memoryAddress + p * TDVF_PAGE_SIZE);
      if (raw && order === "single-pass")
        mrtd.extendPage(s.memoryAddress + p * TDVF_PAGE_SIZE, pageOf(raw, p));
    }
    if (!raw || order === "single-pass") continue;
    for (let p = 0; p < pages; p++) mrtd.extendPage(s.memoryAddress + p * TDVF_PAGE_SIZE, pageOf(raw, p));
  }
  return mrtd.digest();
}

/** The section's memory image: raw file bytes, zero-filled up to the memory size. */
function sectionBytes(image: Uint8Array, s: TdvfSection, index: number): Uint8Array {
  if (s.dataOffset + s.rawDataSize > image.length) {
    throw new ParseError(
      "tdvf_bad_metadata",
      `tdvf metadata: section ${index} data 0x${s.dataOffset.toString(16)}+0x${s.rawDataSize.toString(16)} exceeds image size 0x${image.length.toString(16)}`,
      { field: "ovmf" },
    );
  }
  const raw = image.subarray(s.dataOffset, s.dataOffset + s.rawDataSize);
  if (raw.length === s.memoryDataSize) return raw;
  const out = new Uint8Array(s.memoryDataSize);
  out.set(raw);
  return out;
}

function pageOf(bytes: Uint8Array, page: number): Uint8Array {
  return bytes.subarray(page * TDVF_PAGE_SIZE, (page + 1) * TDVF_PAGE_SIZE);
}
