// Input edges of `contrast attestation verify`: bounded file reads and the RFC 3339 `--now` flag.

import { readFileSync, statSync } from "node:fs";
import { ConfigError, UsageError } from "../common/errors.ts";

/** Reports, quotes, certificates, CRLs and collateral are all far below this. */
export const MAX_INPUT_BYTES = 8 * 1024 * 1024;

/** A flag that names a file: the path as given (cac turns digit-only values into numbers). */
export function filePath(value: unknown, flag: string): string | undefined {
  if (value === undefined) return undefined;
  if ((typeof value !== "string" && typeof value !== "number") || value === "") {
    throw new UsageError("missing_argument", `${flag}: expected a file path, got ${JSON.stringify(value)}`);
  }
  return String(value);
}

/** Reads a whole file; a missing, unreadable or oversized file is invalid input (exit 3). */
export function readInputFile(path: string, flag: string): Uint8Array {
  try {
    const size = statSync(path).size;
    if (size > MAX_INPUT_BYTES) {
      throw new ConfigError(
        "input_too_large",
        `${flag}: expected at most ${MAX_INPUT_BYTES} bytes, got ${size} in ${JSON.stringify(path)}`,
        { field: flag },
      );
    }
    return new Uint8Array(readFileSync(path));
  } catch (cause) {
    if (cause instanceof ConfigError) throw cause;
    throw new ConfigError("unreadable_file", `${flag}: cannot read ${JSON.stringify(path)}`, {
      field: flag,
      cause,
    });
  }
}

export function readInputText(path: string, flag: string): string {
  const bytes = readInputFile(path, flag);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ConfigError("unreadable_file", `${flag}: expected utf-8 text in ${JSON.stringify(path)}`, {
      field: flag,
    });
  }
}

// RFC 3339 §5.6 date-time, or a bare full-date (midnight UTC) for convenience.
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2}))?$/;

/** `--now`: the verification time; defaults to the clock. Rejects anything that is not RFC 3339. */
export function parseNow(value: unknown, clock: () => Date = () => new Date()): Date {
  if (value === undefined) return clock();
  const text = String(value);
  const m = RFC3339.exec(text);
  const date = m ? new Date(m[4] === undefined ? `${text}T00:00:00Z` : text.replace(" ", "T")) : undefined;
  // Date.parse accepts 2025-02-30 by rolling over; a round trip of the date part refuses it.
  if (!m || !date || Number.isNaN(date.getTime()) || !isRealDateTime(m)) {
    throw new UsageError(
      "invalid_argument",
      `--now: expected an RFC 3339 time such as 2025-06-01T00:00:00Z, got ${JSON.stringify(text)}`,
    );
  }
  return date;
}

function isRealDateTime(m: RegExpExecArray): boolean {
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(Date.UTC(y, mo - 1, d));
  const hours = m[4] === undefined ? 0 : Number(m[4]);
  const minutes = m[5] === undefined ? 0 : Number(m[5]);
  const seconds = m[6] === undefined ? 0 : Number(m[6]);
  return (
    probe.getUTCFullYear() === y &&
    probe.getUTCMonth() === mo - 1 &&
    probe.getUTCDate() === d &&
    hours < 24 &&
    minutes < 60 &&
    seconds < 61
  );
}
