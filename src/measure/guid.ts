// GUIDs in their on-disk mixed-endian form (first three groups little-endian), as in OVMF, TDVF and IGVM.

import { ParseError } from "../common/errors.ts";

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Encodes a textual GUID ("8be4df61-93ca-11d2-aa0d-00e098032b8c") as its 16 on-disk bytes. */
export function encodeGuid(text: string): Uint8Array {
  const s = text.toLowerCase();
  if (!GUID_RE.test(s)) {
    throw new ParseError("invalid_guid", `guid: expected 8-4-4-4-12 hex form, got ${JSON.stringify(text)}`);
  }
  const hex = s.replaceAll("-", "");
  const b = Uint8Array.from({ length: 16 }, (_, i) => Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16));
  return Uint8Array.from([b[3]!, b[2]!, b[1]!, b[0]!, b[5]!, b[4]!, b[7]!, b[6]!, ...b.subarray(8)]);
}

/** Decodes 16 on-disk GUID bytes into the lower-case textual form. */
export function formatGuid(bytes: Uint8Array): string {
  if (bytes.length !== 16) {
    throw new ParseError("invalid_guid", `guid: expected 16 bytes, got ${bytes.length}`);
  }
  const order = [3, 2, 1, 0, -1, 5, 4, -1, 7, 6, -1, 8, 9, -1, 10, 11, 12, 13, 14, 15];
  let s = "";
  for (const i of order) s += i < 0 ? "-" : bytes[i]!.toString(16).padStart(2, "0");
  return s;
}
