// Parses a standalone reference-values document `{ "snp": [ … ], "tdx": [ … ] }` (the manifest's ReferenceValues
// object, edgelesssys/contrast internal/manifest), reporting every problem with its JSON path.

import { Checker } from "../common/checker.ts";
import { ConfigError } from "../common/errors.ts";
import { type ReferenceValues, readReferenceValues } from "./schema.ts";

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
  const refs = readReferenceValues(c, json, "");
  if (refs === undefined || c.problems.length > 0) throw new ReferenceValuesError(c.problems);
  return refs;
}

function firstPath(problem: string | undefined): string | undefined {
  if (problem === undefined) return undefined;
  const i = problem.indexOf(": ");
  return i > 0 ? problem.slice(0, i) : undefined;
}
