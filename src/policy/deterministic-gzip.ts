// gzip (RFC 1952) with a fixed header (MTIME 0, XFL 0, OS 255) around raw deflate, so equal input gives equal bytes.

import { deflateRawSync, inflateRawSync } from "node:zlib";
import { concatBytes, view } from "../common/bytes.ts";
import { crc32 } from "../common/crc32.ts";
import { ParseError } from "../common/errors.ts";

// RFC 1952 §2.3: ID1 ID2 CM FLG MTIME(4) XFL OS. OS 255 = unknown, so the host does not leak into the bytes.
const HEADER = new Uint8Array([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff]);

export function gzipDeterministic(data: Uint8Array): Uint8Array {
  const body = new Uint8Array(deflateRawSync(data, { level: 9 }));
  const trailer = new Uint8Array(8);
  view(trailer).setUint32(0, crc32(data), true);
  view(trailer).setUint32(4, data.length >>> 0, true);
  return concatBytes(HEADER, body, trailer);
}

/**
 * Decompresses a single-member gzip stream, refusing more than `maxOutput` bytes (gzip bomb guard)
 * and checking CRC-32 and ISIZE.
 */
export function gunzipLimited(data: Uint8Array, maxOutput: number): Uint8Array {
  if (data.length < 18 || data[0] !== 0x1f || data[1] !== 0x8b || data[2] !== 0x08) {
    throw new ParseError("gzip_malformed", `gzip header expected 1f8b08, got ${data.length} bytes`);
  }
  const flg = data[3] as number;
  let off = 10;
  if (flg & 0x04) off += 2 + view(data).getUint16(off, true); // FEXTRA
  for (const bit of [0x08, 0x10]) {
    if (flg & bit) {
      while (off < data.length && data[off] !== 0) off++;
      off++;
    }
  }
  if (flg & 0x02) off += 2; // FHCRC
  if (off > data.length - 8)
    throw new ParseError("gzip_malformed", "gzip header expected to fit, got truncated data");
  let out: Uint8Array;
  try {
    out = new Uint8Array(inflateRawSync(data.subarray(off, data.length - 8), { maxOutputLength: maxOutput }));
  } catch (e) {
    throw new ParseError(
      "gzip_malformed",
      `gzip body expected at most ${maxOutput} bytes of valid deflate data`,
      {
        cause: e,
      },
    );
  }
  const trailer = view(data.subarray(data.length - 8));
  if (trailer.getUint32(0, true) !== crc32(out) || trailer.getUint32(4, true) !== out.length >>> 0) {
    throw new ParseError("gzip_malformed", "gzip trailer expected matching crc32 and size, got a mismatch");
  }
  return out;
}
