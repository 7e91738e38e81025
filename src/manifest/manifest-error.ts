// The error thrown for an invalid manifest: one ConfigError carrying every problem found, each with its JSON path.

import { ConfigError } from "../common/errors.ts";

export class ManifestError extends ConfigError {
  /** Every problem, e.g. `ReferenceValues.snp[0].MinimumTCB.SNPVersion: expected integer 0-255, got "x"`. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    const head = problems.slice(0, 5).join("; ");
    const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : "";
    super("invalid_manifest", `invalid manifest: ${head}${more}`, { field: firstPath(problems[0]) });
    this.problems = problems;
  }
}

function firstPath(problem: string | undefined): string | undefined {
  if (problem === undefined) return undefined;
  const i = problem.indexOf(": ");
  return i > 0 ? problem.slice(0, i) : undefined;
}
