// X.509 serial numbers (RFC 5280 §4.1.2.2: positive integers of at most 20 octets): random ones for the certificates
// we issue, and the one canonical form serials are compared in.

import { toHex } from "../common/bytes.ts";
import type { RandomSource } from "./random.ts";

/** 128 random bits with the top bit cleared (positive) and never zero; returned as hex for @peculiar/x509. */
export function generateSerialNumber(random: RandomSource): string {
  const b = random(16);
  b[0] = ((b[0] ?? 0) & 0x7f) | 0x01;
  return toHex(b);
}

/**
 * A serial number as the integer it is: lowercase hex without leading zeros ("0" for zero). DER pads a serial whose
 * top bit is set with a zero octet and libraries print it with or without; compared in this form, a CRL entry
 * always finds the certificate it names.
 */
export function canonicalSerial(hex: string): string {
  const s = hex.toLowerCase().replace(/^0+/, "");
  return s === "" ? "0" : s;
}
