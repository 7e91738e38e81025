// Public entry of TDX measurement: TDVF image bytes + options in, lowercase hex out (plus the RTMR building blocks).

import { toHex } from "../../common/bytes.ts";
import { computeMrtd, type MrtdOptions } from "./mrtd.ts";

export { computeMrtd, MRTD_PAGE_ORDERS, MrtdBuilder, type MrtdOptions, type MrtdPageOrder } from "./mrtd.ts";
export {
  digestEfiAction,
  digestSeparator,
  digestUefiVariable,
  EFI_GLOBAL_VARIABLE_GUID,
  EFI_IMAGE_SECURITY_DATABASE_GUID,
  encodeEfiFvLoadOption,
  encodeUefiVariableData,
  extendRtmr,
  replayRtmr,
} from "./rtmr.ts";
export { parseTdvfMetadata, type TdvfSection } from "./tdvf-metadata.ts";

/** MRTD (96 hex) of a TDVF/OVMF image. */
export function measureTdxMrtd(image: Uint8Array, options: MrtdOptions = {}): string {
  return toHex(computeMrtd(image, options));
}
