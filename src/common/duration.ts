// Durations in flags and env values: `500ms`, `30s`, `2m`, `1h` (a bare number means seconds).

import { UsageError } from "./errors.ts";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses a non-negative whole duration into milliseconds; `field` names the flag in the error. */
export function parseDuration(text: string, field: string): number {
  const m = /^(\d{1,9})(ms|s|m|h)?$/.exec(text);
  if (!m) {
    throw new UsageError(
      "invalid_flag",
      `${field}: expected a duration like 500ms, 30s or 2m, got ${JSON.stringify(text)}`,
      {
        field,
      },
    );
  }
  return Number(m[1]) * (UNIT_MS[m[2] ?? "s"] as number);
}
