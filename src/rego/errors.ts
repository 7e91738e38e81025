// Located Rego errors: syntax and compile errors are ParseError, evaluation errors are ConfigError (one class per
// code, src/common/codes.ts).
//
// Every message starts with `file:line:col:` and the same location is kept in `field`, so callers
// (the CLI, `policy explain`) can point at the offending place in the policy text.

import type { ConfigCode, ParseCode } from "../common/codes.ts";
import { ConfigError, ParseError } from "../common/errors.ts";

export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** Offsets into the source text, for quoting the expression in explanations. */
  readonly start: number;
  readonly end: number;
}

export function formatLocation(loc: SourceLocation): string {
  return `${loc.file}:${loc.line}:${loc.col}`;
}

/** A policy text that does not follow the Rego grammar (code `rego_syntax`). */
export function syntaxError(loc: SourceLocation, message: string): ParseError {
  const where = formatLocation(loc);
  return new ParseError("rego_syntax", `${where}: ${message}`, { field: where });
}

/**
 * A policy that parses but cannot be compiled (or, for recursion and unbound variables the compiler did not see,
 * cannot be evaluated). Codes: `rego_unknown_builtin`, `rego_unsafe_var`, `rego_var_redeclared`, `rego_rule_conflict`,
 * `rego_arity`, `rego_recursion`, `rego_not_function`, `rego_type`.
 */
export function compileError(code: ParseCode, loc: SourceLocation, message: string): ParseError {
  const where = formatLocation(loc);
  return new ParseError(code, `${where}: ${message}`, { field: where });
}

/**
 * A policy whose evaluation cannot produce a result: the policy itself is faulty. Codes: `rego_conflict`,
 * `rego_step_limit`, `rego_stack_overflow`.
 */
export function evalError(code: ConfigCode, loc: SourceLocation, message: string): ConfigError {
  const where = formatLocation(loc);
  return new ConfigError(code, `${where}: ${message}`, { field: where });
}
