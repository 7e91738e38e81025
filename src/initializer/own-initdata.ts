// The pod's own initdata document, proven by the pod's own hardware report (issue 10 §1): its SHA-256 must be the
// HOST_DATA (SNP) or MRCONFIGID (TDX: digest ‖ 16 zero bytes) the runtime launched this VM with (each platform's
// initdataBinding, src/attestation/platforms.ts).
// Only then is the Coordinator pin inside it (src/policy/coordinator-pin.ts) worth anything.

import { selfCheckReportData } from "../api/report-data.ts";
import type { Issuer } from "../attestation/evidence.ts";
import { TEE_PLATFORMS } from "../attestation/platforms.ts";
import { constantTimeEqual, toHex } from "../common/bytes.ts";
import { sha256 } from "../common/digest.ts";
import { ConfigError, VerificationError } from "../common/errors.ts";
import type { RandomSource } from "../crypto/random.ts";
import { COORDINATOR_PIN_KEY, type CoordinatorPin, parseCoordinatorPin } from "../policy/coordinator-pin.ts";
import { parseInitdataDocument } from "../policy/initdata.ts";
import { readInitdataDocument } from "./initdata-reader.ts";

export interface OwnInitdata {
  readonly path: string;
  /** SHA-256 of the document: this pod's policy digest, its key in the manifest. */
  readonly digest: Uint8Array;
  readonly pin: CoordinatorPin;
}

export async function loadOwnInitdata(
  paths: readonly string[],
  issuer: Issuer,
  random: RandomSource,
): Promise<OwnInitdata> {
  const { path, toml } = readInitdataDocument(paths);
  const digest = sha256(toml);
  const evidence = await issuer.issue(selfCheckReportData(random(32)));
  // The report is this pod's own, from its own TEE: what it says about the launch is trusted.
  const binding = TEE_PLATFORMS[evidence.platform].initdataBinding;
  const launched = binding.read(evidence.report);
  if (!constantTimeEqual(launched, binding.expected(digest))) {
    throw new VerificationError(
      "initdata_mismatch",
      `${path}: expected the initdata this pod was launched with (${binding.field} ${toHex(launched)}), got a document with sha-256 ${toHex(digest)}`,
    );
  }
  const pinText = parseInitdataDocument(toml).data[COORDINATOR_PIN_KEY];
  if (pinText === undefined) {
    throw new ConfigError(
      "coordinator_pin_missing",
      `${path}: expected a [data] entry ${JSON.stringify(COORDINATOR_PIN_KEY)} naming this deployment's Coordinator, got none (regenerate the pod with contrast generate)`,
    );
  }
  return { path, digest, pin: parseCoordinatorPin(pinText) };
}
