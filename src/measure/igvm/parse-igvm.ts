// Parses an IGVM file: fixed header with CRC-32, variable-header TLVs in section order, directives (microsoft/igvm igvm_defs/src/lib.rs).

import { view } from "../../common/bytes.ts";
import { crc32 } from "../../common/crc32.ts";
import { ParseError } from "../../common/errors.ts";
import {
  IGVM_MAGIC,
  type IgvmDirective,
  type IgvmFile,
  type IgvmGuestPolicy,
  type IgvmPlatform,
  PAGE_SIZE_2M,
  PAGE_SIZE_4K,
  PARAMETER_USAGE_TYPES,
  PageDataFlag,
  IgvmHeaderType as T,
} from "./igvm-format.ts";

const IGNORABLE = 0x8000_0000;
/** Parameter areas hold loader-written tables (memory map, ACPI, command line); the cap bounds the unmeasured pages. */
const MAX_PARAMETER_AREA = 0x400_0000n;
/** Exact content sizes of the headers this parser understands (VP_CONTEXT is 20, or 24 when padded). */
const CONTENT_SIZE: ReadonlyMap<number, number> = new Map([
  [T.SupportedPlatform, 16],
  [T.GuestPolicy, 16],
  [T.ParameterArea, 16],
  [T.PageData, 24],
  [T.ParameterInsert, 16],
  [T.SnpIdBlock, 696],
]);

function fail(message: string): never {
  throw new ParseError("igvm_malformed", `igvm: ${message}`, { field: "igvm" });
}

interface Reader {
  readonly file: Uint8Array;
  readonly dv: DataView;
  /** First byte after the variable headers: file data (for offsets) starts here. */
  readonly dataStart: number;
}

function readGpa(dv: DataView, at: number, what: string): number {
  const gpa = dv.getBigUint64(at, true);
  if (gpa > BigInt(Number.MAX_SAFE_INTEGER))
    fail(`${what}: expected gpa below 2^53, got 0x${gpa.toString(16)}`);
  return Number(gpa);
}

/** File data for a directive: undefined for offset 0, else up to `size` bytes (a view, shorter = zero-padded). */
function readData(r: Reader, fileOffset: number, size: number, what: string): Uint8Array | undefined {
  if (fileOffset === 0) return undefined;
  if (fileOffset < r.dataStart || fileOffset >= r.file.length) {
    fail(`${what}: expected file offset in ${r.dataStart}..${r.file.length - 1}, got ${fileOffset}`);
  }
  return r.file.subarray(fileOffset, Math.min(fileOffset + size, r.file.length));
}

/** Checks the fixed header and returns [variable header start, end]. */
function readFixedHeader(file: Uint8Array): { formatVersion: number; start: number; end: number } {
  if (file.length < 24) fail(`expected at least 24 bytes, got ${file.length}`);
  const dv = view(file);
  const magic = dv.getUint32(0, true);
  const formatVersion = dv.getUint32(4, true);
  const start = dv.getUint32(8, true);
  const size = dv.getUint32(12, true);
  const total = dv.getUint32(16, true);
  if (magic !== IGVM_MAGIC) fail(`expected magic 0x${IGVM_MAGIC.toString(16)}, got 0x${magic.toString(16)}`);
  if (formatVersion !== 1 && formatVersion !== 2)
    fail(`expected format version 1 or 2, got ${formatVersion}`);
  const fixedSize = formatVersion === 1 ? 24 : 32;
  if (total !== file.length) fail(`expected total_file_size ${file.length}, got ${total}`);
  if (start < fixedSize || start % 8 !== 0 || start + size > file.length) {
    fail(
      `expected variable headers 8-aligned after the fixed header and inside the file, got offset ${start} size ${size}`,
    );
  }
  const header = file.slice(0, fixedSize);
  header.fill(0, 20, 24);
  const checksum = crc32(header, file.subarray(start, start + size));
  const stored = dv.getUint32(20, true);
  if (checksum !== stored) fail(`expected checksum 0x${checksum.toString(16)}, got 0x${stored.toString(16)}`);
  return { formatVersion, start, end: start + size };
}

/** Section of a header type: 0 platform, 1 initialization, 2 directive (spec: must appear in that order). */
function sectionOf(type: number): number | undefined {
  if (type >= 0x001 && type <= 0x100) return 0;
  if (type >= 0x101 && type <= 0x200) return 1;
  if (type >= 0x301 && type <= 0x400) return 2;
  return undefined;
}

export function parseIgvm(file: Uint8Array): IgvmFile {
  const { formatVersion, start, end } = readFixedHeader(file);
  const r: Reader = { file, dv: view(file), dataStart: end };
  const platforms: IgvmPlatform[] = [];
  const guestPolicies: IgvmGuestPolicy[] = [];
  const directives: IgvmDirective[] = [];
  let section = 0;
  // Every step advances by ≥ 8 bytes, so the walk is bounded by the header size.
  for (let at = start; at < end; ) {
    if (at + 8 > end) fail(`truncated header at offset ${at}`);
    const rawType = r.dv.getUint32(at, true);
    const length = r.dv.getUint32(at + 4, true);
    const content = at + 8;
    if (length > end - content)
      fail(`header 0x${rawType.toString(16)} at ${at}: expected length ≤ ${end - content}, got ${length}`);
    at = content + Math.ceil(length / 8) * 8;
    const type = rawType & ~IGNORABLE;
    const s = sectionOf(type);
    if (s === undefined)
      fail(`header at ${content - 8}: expected a known section type range, got 0x${rawType.toString(16)}`);
    if (s < section)
      fail(`header 0x${type.toString(16)}: expected sections in order platform, initialization, directive`);
    section = s;
    const expected = type === T.VpContext ? (length === 24 ? 24 : 20) : CONTENT_SIZE.get(type);
    if (expected !== undefined && length !== expected)
      fail(`header 0x${type.toString(16)}: expected length ${expected}, got ${length}`);
    const parsed = readHeader(r, type, content, length) ?? readOther(r, type, rawType, content, length);
    if (parsed === undefined) continue;
    if ("platformType" in parsed) platforms.push(parsed);
    else if ("policy" in parsed) guestPolicies.push(parsed);
    else directives.push(parsed);
  }
  checkPlatforms(platforms);
  return { formatVersion, platforms, guestPolicies, directives };
}

function checkPlatforms(platforms: readonly IgvmPlatform[]): void {
  let seen = 0;
  for (const p of platforms) {
    const m = p.compatMask;
    if (m === 0 || (m & (m - 1)) !== 0 || (seen & m) !== 0) {
      fail(
        `supported platform ${p.platformType}: expected a unique single-bit compatibility mask, got 0x${m.toString(16)}`,
      );
    }
    seen |= m;
  }
}

type Header = IgvmPlatform | IgvmGuestPolicy | IgvmDirective;

function readHeader(r: Reader, type: number, at: number, length: number): Header | undefined {
  const dv = r.dv;
  switch (type) {
    case T.SupportedPlatform:
      return {
        compatMask: dv.getUint32(at, true),
        highestVtl: dv.getUint8(at + 4),
        platformType: dv.getUint8(at + 5),
        platformVersion: dv.getUint16(at + 6, true),
        sharedGpaBoundary: dv.getBigUint64(at + 8, true),
      };
    case T.GuestPolicy:
      return { policy: dv.getBigUint64(at, true), compatMask: dv.getUint32(at + 8, true) };
    case T.ParameterArea:
      return readParameterArea(r, at);
    case T.PageData:
      return readPageData(r, at);
    case T.ParameterInsert:
      return {
        kind: "parameter_insert",
        gpa: readGpa(dv, at, "parameter insert"),
        compatMask: dv.getUint32(at + 8, true),
        areaIndex: dv.getUint32(at + 12, true),
      };
    case T.VpContext:
      return {
        kind: "vp_context",
        gpa: readGpa(dv, at, "vp context"),
        compatMask: dv.getUint32(at + 8, true),
        vpIndex: dv.getUint16(at + 16, true),
        data: readData(r, dv.getUint32(at + 12, true), PAGE_SIZE_4K, "vp context"),
      };
    case T.SnpIdBlock:
      return readSnpIdBlock(r, at);
    default:
      if (PARAMETER_USAGE_TYPES.has(type)) {
        if (length !== 8) fail(`header 0x${type.toString(16)}: expected length 8, got ${length}`);
        return {
          kind: "parameter_usage",
          type,
          areaIndex: dv.getUint32(at, true),
          byteOffset: dv.getUint32(at + 4, true),
        };
      }
      return undefined;
  }
}

/** Defined types without a parser here are kept (directives) or skipped; unknown ones only if ignorable. */
function readOther(r: Reader, type: number, rawType: number, at: number, length: number): Header | undefined {
  const known = type === 0x001 || (type >= 0x101 && type <= 0x106) || (type >= 0x301 && type <= 0x313);
  if (!known) {
    if ((rawType & IGNORABLE) === 0)
      fail(`header 0x${rawType.toString(16)}: expected a known type or the ignorable bit`);
    return undefined;
  }
  return sectionOf(type) === 2 ? { kind: "other", type, content: r.file.slice(at, at + length) } : undefined;
}

function readParameterArea(r: Reader, at: number): IgvmDirective {
  const size = r.dv.getBigUint64(at, true);
  if (size === 0n || size % BigInt(PAGE_SIZE_4K) !== 0n || size > MAX_PARAMETER_AREA) {
    fail(`parameter area: expected a non-zero page multiple up to 64 MiB, got 0x${size.toString(16)}`);
  }
  return {
    kind: "parameter_area",
    size: Number(size),
    areaIndex: r.dv.getUint32(at + 8, true),
    fileOffset: r.dv.getUint32(at + 12, true),
  };
}

function readPageData(r: Reader, at: number): IgvmDirective {
  const flags = r.dv.getUint32(at + 16, true);
  if ((flags & ~(PageDataFlag.Is2MbPage | PageDataFlag.Unmeasured | PageDataFlag.Shared)) !== 0) {
    fail(`page data: expected flags within 0x7, got 0x${flags.toString(16)}`);
  }
  const pageSize = flags & PageDataFlag.Is2MbPage ? PAGE_SIZE_2M : PAGE_SIZE_4K;
  const gpa = readGpa(r.dv, at, "page data");
  if (gpa % pageSize !== 0)
    fail(`page data: expected gpa aligned to 0x${pageSize.toString(16)}, got 0x${gpa.toString(16)}`);
  return {
    kind: "page_data",
    gpa,
    compatMask: r.dv.getUint32(at + 8, true),
    flags,
    dataType: r.dv.getUint16(at + 20, true),
    data: readData(r, r.dv.getUint32(at + 12, true), pageSize, "page data"),
  };
}

function readSnpIdBlock(r: Reader, at: number): IgvmDirective {
  return {
    kind: "snp_id_block",
    compatMask: r.dv.getUint32(at, true),
    authorKeyEnabled: r.dv.getUint8(at + 4) !== 0,
    launchDigest: r.file.slice(at + 8, at + 56),
    familyId: r.file.slice(at + 56, at + 72),
    imageId: r.file.slice(at + 72, at + 88),
    version: r.dv.getUint32(at + 88, true),
    guestSvn: r.dv.getUint32(at + 92, true),
  };
}
