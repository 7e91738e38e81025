// TDX RTMR building blocks: the extend operation and the event digests OVMF and the kernel stub produce (edgelesssys/contrast tools/tdx-measure/rtmr, Dstack-TEE dstack-mr tdvf.rs).

import { concatBytes } from "../../common/bytes.ts";
import { sha384 } from "../../common/digest.ts";
import { ParseError } from "../../common/errors.ts";
import { encodeGuid } from "../../common/guid.ts";

export const RTMR_SIZE = 48;
export const EFI_GLOBAL_VARIABLE_GUID = "8be4df61-93ca-11d2-aa0d-00e098032b8c";
export const EFI_IMAGE_SECURITY_DATABASE_GUID = "d719b2cb-3d3a-4596-a3bc-dad00e67656f";

function checkDigest(d: Uint8Array, field: string): void {
  if (d.length !== RTMR_SIZE)
    throw new ParseError("invalid_length", `${field}: expected 48 bytes, got ${d.length}`, { field });
}

/** RTMR ← SHA-384(RTMR ‖ digest) (TDG.MR.RTMR.EXTEND). */
export function extendRtmr(rtmr: Uint8Array, digest: Uint8Array): Uint8Array {
  checkDigest(rtmr, "rtmr");
  checkDigest(digest, "digest");
  return sha384(concatBytes(rtmr, digest));
}

/** Replays event digests onto an all-zero RTMR. */
export function replayRtmr(digests: readonly Uint8Array[]): Uint8Array {
  let rtmr: Uint8Array = new Uint8Array(RTMR_SIZE);
  for (const d of digests) rtmr = extendRtmr(rtmr, d);
  return rtmr;
}

/** UTF-16LE code units of `text`, optionally with a terminating NUL. */
export function encodeUtf16le(text: string, nul = false): Uint8Array {
  const out = new Uint8Array((text.length + (nul ? 1 : 0)) * 2);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < text.length; i++) dv.setUint16(2 * i, text.charCodeAt(i), true);
  return out;
}

/** UEFI_VARIABLE_DATA: GUID ‖ u64 name length (UTF-16 units) ‖ u64 data length ‖ UTF-16LE name (no NUL) ‖ data. */
export function encodeUefiVariableData(
  guid: string,
  name: string,
  data: Uint8Array = new Uint8Array(0),
): Uint8Array {
  const lengths = new Uint8Array(16);
  const dv = new DataView(lengths.buffer);
  dv.setBigUint64(0, BigInt(name.length), true);
  dv.setBigUint64(8, BigInt(data.length), true);
  return concatBytes(encodeGuid(guid, "efi"), lengths, encodeUtf16le(name), data);
}

/** Digest of an EV_EFI_VARIABLE_DRIVER_CONFIG event (e.g. SecureBoot, PK, KEK, db, dbx). */
export function digestUefiVariable(guid: string, name: string, data?: Uint8Array): Uint8Array {
  return sha384(encodeUefiVariableData(guid, name, data));
}

/** EV_SEPARATOR digest: SHA-384 of four zero bytes. */
export function digestSeparator(): Uint8Array {
  return sha384(new Uint8Array(4));
}

/** EV_EFI_ACTION digest: SHA-384 of the ASCII string without NUL. */
export function digestEfiAction(action: string): Uint8Array {
  return sha384(new TextEncoder().encode(action));
}

/**
 * EFI_LOAD_OPTION for a firmware-volume application: attributes u32 ‖ path-list length u16 ‖
 * UTF-16LE description + NUL ‖ FV(fvGuid) / FvFile(fileGuid) / End device path.
 */
export function encodeEfiFvLoadOption(
  attributes: number,
  description: string,
  fvGuid: string,
  fileGuid: string,
): Uint8Array {
  const node = (subtype: number, guid: string) =>
    concatBytes(new Uint8Array([0x04, subtype, 0x14, 0x00]), encodeGuid(guid, "efi"));
  const path = concatBytes(
    node(0x07, fvGuid),
    node(0x06, fileGuid),
    new Uint8Array([0x7f, 0xff, 0x04, 0x00]),
  );
  const head = new Uint8Array(6);
  const dv = new DataView(head.buffer);
  dv.setUint32(0, attributes, true);
  dv.setUint16(4, path.length, true);
  return concatBytes(head, encodeUtf16le(description, true), path);
}
