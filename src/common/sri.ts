// Subresource Integrity strings (W3C SRI §3.5, "sha256-<base64>"): parse, compute and verify digests of artifacts.

import { constantTimeEqual, fromBase64, toBase64, toHex } from "./bytes.ts";
import { createDigest } from "./digest.ts";
import { ParseError, VerificationError } from "./errors.ts";

export type SriAlgorithm = "sha256" | "sha384" | "sha512";

const DIGEST_LENGTH: Record<SriAlgorithm, number> = { sha256: 32, sha384: 48, sha512: 64 };

export interface Sri {
  readonly algorithm: SriAlgorithm;
  readonly digest: Uint8Array;
}

/** Parses one SRI hash expression; options (`?…`) and multiple hashes are refused, so one file has one digest. */
export function parseSri(s: unknown, field = "integrity"): Sri {
  if (typeof s !== "string") {
    throw new ParseError("invalid_sri", `${field}: expected SRI string, got ${typeof s}`, { field });
  }
  const m = /^(sha256|sha384|sha512)-([A-Za-z0-9+/]+={0,2})$/.exec(s);
  if (!m) {
    throw new ParseError(
      "invalid_sri",
      `${field}: expected sha256-|sha384-|sha512-<base64>, got ${JSON.stringify(s.slice(0, 40))}`,
      { field },
    );
  }
  const algorithm = m[1] as SriAlgorithm;
  const digest = fromBase64(m[2]!, field);
  if (digest.length !== DIGEST_LENGTH[algorithm]) {
    throw new ParseError(
      "invalid_sri",
      `${field}: expected ${DIGEST_LENGTH[algorithm]} digest bytes for ${algorithm}, got ${digest.length}`,
      { field },
    );
  }
  return { algorithm, digest };
}

export function formatSri(sri: Sri): string {
  return `${sri.algorithm}-${toBase64(sri.digest)}`;
}

/** An incremental hasher for streaming artifacts through (`update` per chunk, then `digest`). */
export function createSriHasher(algorithm: SriAlgorithm): {
  update(chunk: Uint8Array): void;
  digest(): Sri;
} {
  const h = createDigest(algorithm);
  return {
    update: (chunk) => {
      h.update(chunk);
    },
    digest: () => ({ algorithm, digest: h.digest() }),
  };
}

export function computeSri(data: Uint8Array | string, algorithm: SriAlgorithm = "sha256"): Sri {
  const h = createSriHasher(algorithm);
  h.update(typeof data === "string" ? new TextEncoder().encode(data) : data);
  return h.digest();
}

/** Throws `integrity_mismatch` unless `actual` equals `expected` (same algorithm, constant-time digest compare). */
export function verifySri(expected: Sri, actual: Sri, field = "integrity"): void {
  if (expected.algorithm !== actual.algorithm || !constantTimeEqual(expected.digest, actual.digest)) {
    throw new VerificationError(
      "integrity_mismatch",
      `${field}: expected ${expected.algorithm} ${toHex(expected.digest)}, got ${actual.algorithm} ${toHex(actual.digest)}`,
      { field },
    );
  }
}
