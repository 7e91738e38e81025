// Puts context (which workload, or which flag) in front of an image resolution error without changing its class.
//
// The class decides the exit code: a bad reference, a 404 or refused credentials are the user's input (3), a
// digest mismatch is verification (4), only an unreachable registry is unavailable (6). Re-wrapping everything as
// "unavailable" would tell a user with a typo in a tag to retry.

import {
  ConfigError,
  ContrastError,
  ParseError,
  UnavailableError,
  VerificationError,
} from "../../common/errors.ts";

/**
 * `prefix: <message>[; suffix]` with the same class and code as `e`; anything that is not ours becomes
 * image_pull_failed. An empty prefix keeps the message's start.
 */
export function imageErrorWithContext(
  e: unknown,
  prefix: string,
  field?: string,
  suffix?: string,
): ContrastError {
  const options = { cause: e, ...(field === undefined ? {} : { field }) };
  const wrap = (m: string) =>
    `${prefix === "" ? "" : `${prefix}: `}${m}${suffix === undefined ? "" : `; ${suffix}`}`;
  if (!(e instanceof ContrastError)) {
    const msg = e instanceof Error ? e.message : String(e);
    return new UnavailableError("image_pull_failed", wrap(msg), options);
  }
  const message = wrap(e.message);
  const opts = { cause: e, field: field ?? e.field };
  if (e instanceof ConfigError) return new ConfigError(e.code, message, opts);
  if (e instanceof ParseError) return new ParseError(e.code, message, opts);
  if (e instanceof VerificationError) return new VerificationError(e.code, message, opts);
  if (e instanceof UnavailableError) return new UnavailableError(e.code, message, opts);
  return e;
}
