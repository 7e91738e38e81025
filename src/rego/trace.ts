// Explain support: for each rule body tried, how far evaluation got and the first expression that failed.

import { formatLocation, type SourceLocation } from "./errors.ts";

/** Why one expression of a body produced no result. */
export interface ExplainFailure {
  readonly location: string;
  /** Source text of the expression. */
  readonly text: string;
  /** Builtin or function name for calls (`equal`, `regex.match`, `allow_env`), `unify`, `not`, `every`, `some`. */
  readonly operation: string;
  /** Infix symbol when the expression is an operator (`==`, `in`, …). */
  readonly operator?: string;
  /**
   * Operand values at the time of failure, as JSON (`undefined` = the operand was undefined). For `every`,
   * the key and value of the first element whose body failed.
   */
  readonly values: readonly unknown[];
}

export interface ExplainEntry {
  /** Full rule path, e.g. `agent_policy.allow_env`. */
  readonly rule: string;
  readonly location: string;
  readonly branch: "body" | "else";
  /** Nesting depth: rules called while evaluating another rule's body are one deeper. */
  readonly depth: number;
  /** Whether the body produced at least one result. */
  succeeded: boolean;
  /** Index of the furthest expression reached. */
  reached: number;
  /** Index of the recorded failing expression (-1 = none). */
  failedAt: number;
  failure: ExplainFailure | undefined;
}

export interface ExplainTrace {
  readonly entries: readonly ExplainEntry[];
}

export class Tracer {
  readonly entries: ExplainEntry[] = [];
  depth = 0;
  private static readonly LIMIT = 20_000;

  constructor(private readonly source: (loc: SourceLocation) => string) {}

  begin(rule: string, loc: SourceLocation, branch: "body" | "else"): ExplainEntry | undefined {
    if (this.entries.length >= Tracer.LIMIT) return undefined;
    const e: ExplainEntry = {
      rule,
      location: formatLocation(loc),
      branch,
      depth: this.depth,
      succeeded: false,
      reached: 0,
      failedAt: -1,
      failure: undefined,
    };
    this.entries.push(e);
    return e;
  }

  /** Records the first failure at the furthest expression reached (later iterations do not overwrite it). */
  fail(
    entry: ExplainEntry,
    index: number,
    loc: SourceLocation,
    f: Omit<ExplainFailure, "location" | "text">,
  ): void {
    if (index <= entry.failedAt) return;
    entry.failedAt = index;
    entry.failure = { ...f, location: formatLocation(loc), text: this.source(loc) };
  }
}
