// The SNP report signature: 72-byte little-endian R/S → IEEE-P1363 r‖s, ECDSA P-384/SHA-384 over bytes [0, 0x2A0) (AMD SEV-SNP Firmware ABI #56860, ATTESTATION_REPORT).

import { verifyEcdsaP1363 } from "../../crypto/ecdsa.ts";
import type { SnpReport } from "./abi.ts";
import { LEN, SNP_SIGNED_LENGTH } from "./report-layout.ts";

/** Converts one 72-byte little-endian component to its 48-byte big-endian form (the parser checked bytes 48..71 are zero). */
export function littleEndianToScalar(le: Uint8Array): Uint8Array {
  const out = new Uint8Array(LEN.p384Scalar);
  for (let i = 0; i < LEN.p384Scalar; i++) out[i] = le[LEN.p384Scalar - 1 - i]!;
  return out;
}

/** Converts a 48-byte big-endian scalar to the report's 72-byte little-endian field. */
export function scalarToLittleEndian(be: Uint8Array): Uint8Array {
  if (be.length !== LEN.p384Scalar) throw new RangeError(`scalar: expected 48 bytes, got ${be.length}`);
  const out = new Uint8Array(LEN.signatureComponent);
  for (let i = 0; i < LEN.p384Scalar; i++) out[i] = be[LEN.p384Scalar - 1 - i]!;
  return out;
}

/** r‖s in the IEEE-P1363 form WebCrypto expects (96 bytes). */
export function reportSignatureP1363(report: SnpReport): Uint8Array {
  const out = new Uint8Array(2 * LEN.p384Scalar);
  out.set(littleEndianToScalar(report.signature.r), 0);
  out.set(littleEndianToScalar(report.signature.s), LEN.p384Scalar);
  return out;
}

export function signedBytes(raw: Uint8Array): Uint8Array {
  return raw.subarray(0, SNP_SIGNED_LENGTH);
}

/** True when the report signature verifies under `key` (an imported ECDSA P-384 public key). */
export function checkReportSignature(key: CryptoKey, report: SnpReport): Promise<boolean> {
  return verifyEcdsaP1363(key, signedBytes(report.raw), reportSignatureP1363(report), "SHA-384");
}
