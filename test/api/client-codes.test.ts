// The Coordinator's codes reach the CLI's exit codes (issue 15 §2): a full or read-only state volume is
// "unavailable" (exit 6, the errno in the message), a damaged stored history "verification failed" (exit 4); each
// code's exit code is that of the class owning it (src/common/codes.ts).

import { describe, expect, test } from "bun:test";
import { API_ERRORS, ApiError } from "../../src/api/errors.ts";
import { exitCodeFor } from "../../src/command/exit-codes.ts";

describe("ApiError kinds", () => {
  const rows: [keyof typeof API_ERRORS, number][] = [
    ["storage_unavailable", 6],
    ["request_timeout", 6],
    ["no_seed_shares", 6],
    ["history_corrupt", 4],
    ["headers_too_large", 3],
    ["length_required", 3],
    ["invalid_argument", 2],
    ["attestation_failed", 5],
    ["unknown", 6],
  ];
  for (const [code, exit] of rows) {
    test(`${code} (${API_ERRORS[code]}) → exit ${exit}`, () => {
      expect(exitCodeFor(new ApiError(code, "x", API_ERRORS[code]))).toBe(exit);
    });
  }
});
