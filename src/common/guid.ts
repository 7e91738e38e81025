// GUIDs between their text form and 16 bytes, in the two byte orders the formats we read use: "rfc4122" (all
// fields big-endian: the SEV-SNP certificate table, as the GHCB specification writes its GUIDs) and "efi" (the first
// three fields little-endian, UEFI's EFI_GUID: OVMF, TDVF and IGVM).

import { toHex } from "./bytes.ts";
import { ParseError } from "./errors.ts";

export type GuidLayout = "rfc4122" | "efi";

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Byte i of the stored form is byte ORDER[i] of the text's big-endian bytes (its own inverse). */
const EFI_ORDER = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];

/** Encodes a textual GUID ("8be4df61-93ca-11d2-aa0d-00e098032b8c") as its 16 stored bytes. */
export function encodeGuid(text: string, layout: GuidLayout): Uint8Array {
  const s = text.toLowerCase();
  if (!GUID_RE.test(s)) {
    throw new ParseError("invalid_guid", `guid: expected 8-4-4-4-12 hex form, got ${JSON.stringify(text)}`);
  }
  const hex = s.replaceAll("-", "");
  const b = Uint8Array.from({ length: 16 }, (_, i) => Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16));
  return layout === "efi" ? Uint8Array.from(EFI_ORDER, (i) => b[i]!) : b;
}

/** Decodes 16 stored GUID bytes into the lower-case textual form. */
export function formatGuid(bytes: Uint8Array, layout: GuidLayout): string {
  if (bytes.length !== 16) {
    throw new ParseError("invalid_guid", `guid: expected 16 bytes, got ${bytes.length}`);
  }
  const h = toHex(layout === "efi" ? Uint8Array.from(EFI_ORDER, (i) => bytes[i]!) : bytes);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
