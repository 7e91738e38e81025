// Random positive X.509 serial numbers (RFC 5280 §4.1.2.2: positive, at most 20 octets).

import { toHex } from "../common/bytes.ts";
import type { RandomSource } from "./random.ts";

/** 128 random bits with the top bit cleared (positive) and never zero; returned as hex for @peculiar/x509. */
export function generateSerialNumber(random: RandomSource): string {
  const b = random(16);
  b[0] = ((b[0] ?? 0) & 0x7f) | 0x01;
  return toHex(b);
}
