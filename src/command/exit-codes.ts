// The one place where error classes become process exit codes (documented in --help and the README).

import { ContrastError } from "../common/errors.ts";

export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  config: 3,
  verification: 4,
  policy: 5,
  unavailable: 6,
} as const;

export const EXIT_CODE_HELP = `Exit codes:
  0  success
  1  internal error
  2  usage error (unknown command or flag, missing argument)
  3  invalid input: unreadable or malformed file, invalid config or manifest
  4  verification failed: signature, certificate chain, revocation or expiry
  5  policy mismatch: reference values, TCB status or runtime policy not met
  6  unavailable: collateral server, Coordinator or registry unreachable`;

/** Usage errors raised by command code (bad flag combinations) rather than by cac. */
export class UsageError extends ContrastError {}

export function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError) return EXIT.usage;
  if (err instanceof ContrastError) {
    switch (err.kind) {
      case "parse":
      case "config":
        return EXIT.config;
      case "verification":
        return EXIT.verification;
      case "policy":
        return EXIT.policy;
      case "unavailable":
        return EXIT.unavailable;
      default:
        return EXIT.internal;
    }
  }
  if (err instanceof Error && err.name === "CACError") return EXIT.usage;
  return EXIT.internal;
}
