// The OVMF GUIDed footer table at the end of a firmware image (virtee/sev-snp-measure ovmf.py, OVMF GUIDed footer table).

import { view } from "../common/bytes.ts";
import type { ParseCode } from "../common/codes.ts";
import { ParseError } from "../common/errors.ts";
import { formatGuid } from "../common/guid.ts";

/** GUIDs of the footer table and the entries this project reads (virtee/sev-snp-measure ovmf.py, OVMF GUIDed footer table). */
export const OVMF_GUID = {
  footer: "96b582de-1fb2-45f7-baea-a366c55a082d",
  sevEsResetBlock: "00f771de-1a7e-4fcb-890e-68c77e2fb44e",
  sevMetadataOffset: "dc886566-984a-4798-a75e-5585a7bf67cc",
  sevHashTable: "7255371f-3a3b-4b04-927b-1da6efa8d454",
  sevSecretBlock: "4c2eb361-7d9b-4cc3-8081-127c90d3d294",
  tdxMetadataOffset: "e47a6535-984a-4798-865e-4685a7bf8ec2",
} as const;

/** Size of the reset-vector area that follows the footer entry at the very end of the image. */
const RESET_AREA = 32;
/** u16 length + 16-byte GUID closing every entry (and forming the footer entry itself). */
const ENTRY_TRAILER = 18;

function fail(code: ParseCode, message: string): never {
  throw new ParseError(code, `ovmf footer table: ${message}`, { field: "ovmf" });
}

/**
 * Parses the footer table into GUID → payload (copies). An image without the footer GUID has no
 * table: the result is empty. Each loop step consumes ≥ 18 bytes, so the walk is bounded by the input.
 */
export function parseOvmfFooterTable(image: Uint8Array): ReadonlyMap<string, Uint8Array> {
  const entries = new Map<string, Uint8Array>();
  const footerAt = image.length - RESET_AREA - ENTRY_TRAILER;
  if (footerAt < 0) return entries;
  if (formatGuid(image.subarray(footerAt + 2, footerAt + ENTRY_TRAILER), "efi") !== OVMF_GUID.footer)
    return entries;
  const dv = view(image);
  const tableLength = dv.getUint16(footerAt, true);
  const tableStart = image.length - RESET_AREA - tableLength;
  if (tableLength < ENTRY_TRAILER || tableStart < 0) {
    fail("ovmf_bad_footer", `expected table length in 18..${footerAt + ENTRY_TRAILER}, got ${tableLength}`);
  }
  let end = footerAt;
  while (end > tableStart) {
    if (end - ENTRY_TRAILER < tableStart)
      fail("ovmf_bad_footer", `truncated entry ending at 0x${end.toString(16)}`);
    const length = dv.getUint16(end - ENTRY_TRAILER, true);
    const guid = formatGuid(image.subarray(end - 16, end), "efi");
    if (length < ENTRY_TRAILER || end - length < tableStart) {
      fail("ovmf_bad_footer", `entry ${guid}: expected length in 18..${end - tableStart}, got ${length}`);
    }
    if (entries.has(guid)) fail("ovmf_bad_footer", `entry ${guid}: expected unique guid, got a duplicate`);
    entries.set(guid, image.slice(end - length, end - ENTRY_TRAILER));
    end -= length;
  }
  return entries;
}

/** Reads the u32 at `offset` of an entry payload, checking that the payload is long enough. */
export function readFooterU32(payload: Uint8Array, offset: number, guid: string): number {
  if (payload.length < offset + 4) {
    fail(
      "ovmf_bad_footer",
      `entry ${guid}: expected at least ${offset + 4} payload bytes, got ${payload.length}`,
    );
  }
  return view(payload).getUint32(offset, true);
}
