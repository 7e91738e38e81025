// Attestation of the Coordinator's state for `/v1/attest` (CLI) and `/v1/mesh/attest` (Initializers): one report
// binding the caller's nonce, this boot's TLS key and the history, under a label per API (src/api/report-data.ts).

import { attestReportData, meshAttestReportData } from "../api/report-data.ts";
import { encodeEvidence } from "../api/schema.ts";
import type { MeshAttestResponse } from "../api/types.ts";
import type { Issuer } from "../attestation/evidence.ts";
import { toBase64 } from "../common/bytes.ts";
import type { Snapshot } from "./state.ts";

export interface StateAttester {
  readonly issuer: Issuer;
  /** DER SPKI of this boot's TLS key. */
  readonly tlsSpki: Uint8Array;
  readonly version: string;
}

export async function attestState(
  deps: StateAttester,
  snap: Snapshot,
  nonce: Uint8Array,
  api: "user" | "mesh",
): Promise<MeshAttestResponse> {
  const binding = {
    nonce,
    tlsSpki: deps.tlsSpki,
    latestTransition: snap.latestTransition,
    rootCA: snap.rootCA,
    meshCA: snap.meshCA,
  };
  const reportData = api === "user" ? attestReportData(binding) : meshAttestReportData(binding);
  const evidence = await deps.issuer.issue(reportData);
  return {
    version: deps.version,
    evidence: encodeEvidence(evidence),
    tlsPublicKey: toBase64(deps.tlsSpki),
    manifests: snap.manifests.map(toBase64),
    signatures: snap.signatures.map(toBase64),
    rootCA: snap.rootCA,
    meshCA: snap.meshCA,
  };
}
