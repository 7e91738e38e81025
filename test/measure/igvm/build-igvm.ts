// Builds IGVM files from the format description (microsoft/igvm igvm_defs/src/lib.rs) for tests: headers, file data, CRC-32.

import { concatBytes } from "../../../src/common/bytes.ts";
import { crc32 } from "../../../src/common/crc32.ts";

export type IgvmSpec =
  | { kind: "platform"; mask: number; platformType: number }
  | { kind: "policy"; policy: bigint; mask: number }
  | { kind: "page"; gpa: number; mask: number; flags?: number; dataType?: number; data?: Uint8Array }
  | { kind: "area"; areaIndex: number; size: number }
  | { kind: "insert"; gpa: number; mask: number; areaIndex: number }
  | { kind: "vp"; gpa: number; mask: number; vpIndex: number; data: Uint8Array }
  | { kind: "raw"; type: number; content: Uint8Array };

function tlv(type: number, content: Uint8Array): Uint8Array {
  const head = new Uint8Array(8);
  const dv = new DataView(head.buffer);
  dv.setUint32(0, type, true);
  dv.setUint32(4, content.length, true);
  const padded = new Uint8Array(Math.ceil(content.length / 8) * 8);
  padded.set(content);
  return concatBytes(head, padded);
}

function fields(size: number, write: (dv: DataView) => void): Uint8Array {
  const b = new Uint8Array(size);
  write(new DataView(b.buffer));
  return b;
}

/** Header content for a spec; `offset` is the file offset of its data (0 = none). */
function content(s: IgvmSpec, offset: number): [number, Uint8Array] {
  switch (s.kind) {
    case "platform":
      return [
        0x001,
        fields(16, (dv) => {
          dv.setUint32(0, s.mask, true);
          dv.setUint8(5, s.platformType);
          dv.setUint16(6, 1, true);
        }),
      ];
    case "policy":
      return [
        0x101,
        fields(16, (dv) => {
          dv.setBigUint64(0, s.policy, true);
          dv.setUint32(8, s.mask, true);
        }),
      ];
    case "area":
      return [
        0x301,
        fields(16, (dv) => {
          dv.setBigUint64(0, BigInt(s.size), true);
          dv.setUint32(8, s.areaIndex, true);
        }),
      ];
    case "page":
      return [
        0x302,
        fields(24, (dv) => {
          dv.setBigUint64(0, BigInt(s.gpa), true);
          dv.setUint32(8, s.mask, true);
          dv.setUint32(12, offset, true);
          dv.setUint32(16, s.flags ?? 0, true);
          dv.setUint16(20, s.dataType ?? 0, true);
        }),
      ];
    case "insert":
      return [
        0x303,
        fields(16, (dv) => {
          dv.setBigUint64(0, BigInt(s.gpa), true);
          dv.setUint32(8, s.mask, true);
          dv.setUint32(12, s.areaIndex, true);
        }),
      ];
    case "vp":
      return [
        0x304,
        fields(20, (dv) => {
          dv.setBigUint64(0, BigInt(s.gpa), true);
          dv.setUint32(8, s.mask, true);
          dv.setUint32(12, offset, true);
          dv.setUint16(16, s.vpIndex, true);
        }),
      ];
    case "raw":
      return [s.type, s.content];
  }
}

function dataOf(s: IgvmSpec): Uint8Array | undefined {
  return s.kind === "page" || s.kind === "vp" ? s.data : undefined;
}

/** Recomputes the checksum of a (possibly mutated) version-1 file in place. */
export function fixChecksum(file: Uint8Array): Uint8Array {
  if (file.length < 24) return file;
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const start = dv.getUint32(8, true);
  const size = dv.getUint32(12, true);
  const header = file.slice(0, 24);
  header.fill(0, 20, 24);
  const end = Math.min(start + size, file.length);
  dv.setUint32(20, crc32(header, file.subarray(Math.min(start, end), end)), true);
  return file;
}

export function buildIgvm(specs: readonly IgvmSpec[]): Uint8Array {
  const headerSize = specs.reduce((n, s) => n + tlv(...content(s, 0)).length, 0);
  let offset = 24 + headerSize;
  const headers: Uint8Array[] = [];
  const data: Uint8Array[] = [];
  for (const s of specs) {
    const d = dataOf(s);
    headers.push(tlv(...content(s, d ? offset : 0)));
    if (d) {
      data.push(d);
      offset += d.length;
    }
  }
  const fixed = fields(24, (dv) => {
    dv.setUint32(0, 0x4d564749, true);
    dv.setUint32(4, 1, true);
    dv.setUint32(8, 24, true);
    dv.setUint32(12, headerSize, true);
    dv.setUint32(16, offset, true);
  });
  return fixChecksum(concatBytes(fixed, ...headers, ...data));
}
