// Parses a standalone reference-values document `{ "snp": [ … ], "tdx": [ … ] }` (the manifest's ReferenceValues
// object, spec/contrast-reference.md §2.1), reporting every problem with its JSON path.

import { ConfigError } from "../common/errors.ts";
import { Checker } from "./checker.ts";
import type { ReferenceValues, SnpReferenceValue, TdxReferenceValue } from "./types.ts";
import { readSnpReferenceValue } from "./validate-snp.ts";
import { readTdxReferenceValue } from "./validate-tdx.ts";

/** Reference-value files are a few KB; anything far larger is not one. */
export const MAX_REFERENCE_VALUES_BYTES = 1024 * 1024;

/** One ConfigError carrying every problem, e.g. `snp[0].TrustedMeasurement: expected 96 hex characters, got "x"`. */
export class ReferenceValuesError extends ConfigError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super("invalid_reference_values", `invalid reference values: ${problems.join("; ")}`, {
      field: firstPath(problems[0]),
    });
    this.problems = problems;
  }
}

/** Strict parse: unknown fields, wrong types and an empty document are problems (deny by default). */
export function parseReferenceValues(bytes: Uint8Array): ReferenceValues {
  if (bytes.length > MAX_REFERENCE_VALUES_BYTES) {
    throw new ReferenceValuesError([
      `(root): expected at most ${MAX_REFERENCE_VALUES_BYTES} bytes, got ${bytes.length}`,
    ]);
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    const why = e instanceof SyntaxError ? e.message : "invalid utf-8";
    throw new ReferenceValuesError([`(root): expected utf-8 json, got ${why}`]);
  }
  const c = new Checker();
  const o = c.object(json, "", ["snp", "tdx"]);
  if (o === undefined) throw new ReferenceValuesError(c.problems);
  // Go marshals a nil slice as null: absent and null both mean "no entries".
  const readList = <T>(key: string, read: (c: Checker, v: unknown, p: string) => T | undefined): T[] =>
    o[key] === undefined || o[key] === null ? [] : (c.list(o[key], key, (v, p) => read(c, v, p)) ?? []);
  const snp: SnpReferenceValue[] = readList("snp", readSnpReferenceValue);
  const tdx: TdxReferenceValue[] = readList("tdx", readTdxReferenceValue);
  const count = (k: string) => (Array.isArray(o[k]) ? (o[k] as unknown[]).length : 0);
  if (count("snp") + count("tdx") === 0)
    c.add("", "expected at least one snp or tdx reference value, got none");
  if (c.problems.length > 0) throw new ReferenceValuesError(c.problems);
  return {
    ...(snp.length > 0 ? { snp } : {}),
    ...(tdx.length > 0 ? { tdx } : {}),
  };
}

function firstPath(problem: string | undefined): string | undefined {
  if (problem === undefined) return undefined;
  const i = problem.indexOf(": ");
  return i > 0 ? problem.slice(0, i) : undefined;
}
