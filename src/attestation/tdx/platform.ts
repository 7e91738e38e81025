// Intel TDX's entry in the TEE platform registry (src/attestation/platforms.ts).

import { concatBytes } from "../../common/bytes.ts";
import { parseTdxQuote } from "./abi.ts";
import { readTdxReferenceValue, TDX_REFERENCE_VALUE_FIELDS } from "./reference-value.ts";

export const TDX_PLATFORM = {
  name: "tdx",
  title: "Intel TDX",
  /** configfs-tsm provider (Linux Documentation/ABI/testing/configfs-tsm). */
  tsmProvider: "tdx_guest",
  /** A configfs-tsm quote carries its PCK chain inside; the host adds nothing. */
  evidenceFromTsm: (outblob: Uint8Array, _auxblob: Uint8Array | undefined) => ({
    platform: "tdx" as const,
    report: outblob,
    certs: {},
  }),
  /**
   * The pod's initdata digest (SHA-256) zero-padded to the 48-byte MRCONFIGID (Kata Containers
   * src/libs/kata-types/src/initdata.rs `adjust_digest`, src/runtime/pkg/oci/utils.go).
   */
  initdataBinding: {
    field: "MRCONFIGID",
    read: (report: Uint8Array) => parseTdxQuote(report).body.mrConfigId,
    expected: (digest: Uint8Array) => concatBytes(digest, new Uint8Array(16)),
  },
  referenceValue: { fields: TDX_REFERENCE_VALUE_FIELDS, read: readTdxReferenceValue },
} as const;
