// The policy digest a piece of evidence CLAIMS (unverified): for log lines about refused evidence only.

import { toHex } from "../common/bytes.ts";
import type { Evidence } from "./evidence.ts";
import { parseSnpReport } from "./snp/abi.ts";
import { parseTdxQuote } from "./tdx/abi.ts";

/** SNP HOST_DATA or TDX MRCONFIGID[0..32] in hex, or undefined when the report does not even parse. Never trust it. */
export function claimedHostData(evidence: Evidence): string | undefined {
  try {
    return evidence.platform === "snp"
      ? toHex(parseSnpReport(evidence.report).hostData)
      : toHex(parseTdxQuote(evidence.report).body.mrConfigId.slice(0, 32));
  } catch {
    return undefined;
  }
}
