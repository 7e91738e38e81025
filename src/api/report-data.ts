// What a report's 64-byte REPORT_DATA binds: the Coordinator's state for the user API (attest) and for Initializers
// (mesh attest), and the key to certify for the mesh API (cert request).
//
// Both are SHA-512 over a NUL-terminated domain label followed by fixed-length fields, so a report made for
// one purpose can never be replayed for the other, and every field has one unambiguous position.

import { createSha512, sha256 } from "../common/digest.ts";

const ATTEST_LABEL = "contrast/v1/attest\0";
const MESH_LABEL = "contrast/v1/mesh-cert\0";
const MESH_ATTEST_LABEL = "contrast/v1/mesh-attest\0";
const SELF_CHECK_LABEL = "contrast/v1/initdata-self-check\0";

export interface AttestBinding {
  nonce: Uint8Array; // 32 bytes from the client
  tlsSpki: Uint8Array; // DER SubjectPublicKeyInfo of the Coordinator's TLS key
  latestTransition: Uint8Array; // 32 bytes; zeros before the first manifest
  rootCA: string; // PEM, "" before the first manifest
  meshCA: string; // PEM, "" before the first manifest
}

/** REPORT_DATA of `POST /v1/attest`: SHA-512(label ‖ nonce ‖ SHA-256(SPKI) ‖ transition ‖ SHA-256(rootCA) ‖ SHA-256(meshCA)). */
export function attestReportData(b: AttestBinding): Uint8Array {
  return stateReportData(ATTEST_LABEL, b);
}

/** REPORT_DATA of `POST /v1/mesh/attest`: the same fields as `attestReportData` under the label contrast/v1/mesh-attest. */
export function meshAttestReportData(b: AttestBinding): Uint8Array {
  return stateReportData(MESH_ATTEST_LABEL, b);
}

function stateReportData(label: string, b: AttestBinding): Uint8Array {
  const h = createSha512();
  h.update(label);
  h.update(b.nonce);
  h.update(sha256(b.tlsSpki));
  h.update(b.latestTransition);
  h.update(sha256(b.rootCA));
  h.update(sha256(b.meshCA));
  return h.digest();
}

/** REPORT_DATA of `POST /v1/mesh/cert`: SHA-512(label ‖ nonce ‖ SHA-256(SPKI of the key to certify)). */
export function meshReportData(nonce: Uint8Array, spki: Uint8Array): Uint8Array {
  const h = createSha512();
  h.update(MESH_LABEL);
  h.update(nonce);
  h.update(sha256(spki));
  return h.digest();
}

/**
 * REPORT_DATA of the report an Initializer asks for only to read its own HOST_DATA: never sent anywhere, and under a
 * label of its own so it can never pass for any of the reports above.
 */
export function selfCheckReportData(nonce: Uint8Array): Uint8Array {
  return createSha512().update(SELF_CHECK_LABEL).update(nonce).digest();
}
