// HKDF-SHA256 (RFC 5869) used for every derived secret: seed engine sub-secrets, workload secrets, envelopes.

import { hkdfSync } from "node:crypto";
import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { utf8 } from "../common/bytes.ts";

/** node:crypto refuses a longer info (OpenSSL's limit); RFC 5869 has none, so longer ones go to @noble/hashes. */
const NODE_MAX_INFO = 1024;

/** RFC 5869 §2.3 caps the output at 255 hash lengths. */
const MAX_LENGTH = 255 * 32;

/** HKDF-Extract-then-Expand with SHA-256. `info` may be text (encoded as UTF-8). */
export function hkdfSha256(
  ikm: Uint8Array,
  salt: Uint8Array,
  info: Uint8Array | string,
  length: number,
): Uint8Array {
  if (!Number.isInteger(length) || length < 1 || length > MAX_LENGTH) {
    throw new RangeError(`hkdf length: expected integer 1-${MAX_LENGTH}, got ${length}`);
  }
  const infoBytes = typeof info === "string" ? utf8(info) : info;
  if (infoBytes.length > NODE_MAX_INFO) return hkdf(sha256, ikm, salt, infoBytes, length);
  // node:crypto (native): ~8× @noble/hashes here, and two run on every admission (workload secret, envelope key).
  return new Uint8Array(hkdfSync("sha256", ikm, salt, infoBytes, length));
}
