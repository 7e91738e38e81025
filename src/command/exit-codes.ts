// Exit codes of the `contrast` process: the table `--help` prints, and the exit code of any thrown value (a
// ContrastError's class decides it; src/common/errors.ts).

import { ContrastError, EXIT } from "../common/errors.ts";

export const EXIT_CODE_HELP = `Exit codes:
  0  success
  1  internal error
  2  usage error (unknown command or flag, missing argument)
  3  invalid input: unreadable or malformed file, invalid config or manifest
  4  verification failed: signature, certificate chain, revocation or expiry
  5  policy mismatch: reference values, TCB status or runtime policy not met
  6  unavailable: collateral server, Coordinator or registry unreachable`;

export function exitCodeFor(err: unknown): number {
  if (err instanceof ContrastError) return err.exitCode;
  if (err instanceof Error && err.name === "CACError") return EXIT.usage;
  return EXIT.internal;
}
