// For tests of layers other than revocation: a verification that reports, rather than refuses, a missing CRL.
// Revocation itself is tested in revocation.test.ts and through the evidence verifier and the CLI.

import type { SnpRevocationInput } from "../../../src/attestation/snp/revocation.ts";

export const NO_REVOCATION: SnpRevocationInput = Object.freeze({ allowUnchecked: true });
