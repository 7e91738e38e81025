// How a platform validator's mismatches become an error: one PolicyError that carries every mismatch, not the first.

import type { PolicyCode } from "../common/codes.ts";
import { PolicyError } from "../common/errors.ts";

/** Throws `code` about `what` (e.g. "snp report") listing every mismatch, when there is any. */
export function assertNoMismatches(code: PolicyCode, what: string, mismatches: readonly string[]): void {
  if (mismatches.length > 0) {
    throw new PolicyError(
      code,
      `${what} does not meet the reference values: ${mismatches.join("; ")}`,
      mismatches,
    );
  }
}
