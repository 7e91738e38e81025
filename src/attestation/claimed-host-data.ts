// The policy digest a piece of evidence CLAIMS (unverified): for log lines about refused evidence only.

import { toHex } from "../common/bytes.ts";
import type { Evidence } from "./evidence.ts";
import { TEE_PLATFORMS } from "./platforms.ts";

/** The first 32 bytes of the report's initdata field (SNP HOST_DATA, TDX MRCONFIGID) in hex. Never trust it. */
export function claimedHostData(evidence: Evidence): string | undefined {
  try {
    return toHex(TEE_PLATFORMS[evidence.platform].initdataBinding.read(evidence.report).slice(0, 32));
  } catch {
    return undefined; // the report does not even parse
  }
}
