// Argument checks for builtins: a wrong type throws BuiltinError, which the evaluator turns into undefined.

import { isObject, type RegoObject, RegoSet, type RegoValue, typeNameOf } from "../value.ts";

/** A builtin could not produce a value (type error, bad input). Non-strict evaluation maps it to undefined. */
export class BuiltinError extends Error {}

/** What a builtin may ask of the evaluation calling it: work that counts against its step limit (regex matching). */
export interface BuiltinContext {
  /** Steps left before the evaluation's step limit. */
  stepsLeft(): number;
  /** Counts `n` more steps; throws the evaluation's `rego_step_limit` error once the limit is passed. */
  charge(n: number): void;
}

export type BuiltinFn = (args: readonly RegoValue[], ctx: BuiltinContext) => RegoValue | undefined;

export interface BuiltinDef {
  readonly arity: number;
  readonly fn: BuiltinFn;
  /** Accepts any number of arguments (print). */
  readonly variadic?: boolean;
}

function arg(args: readonly RegoValue[], i: number): RegoValue {
  return args[i] as RegoValue;
}

export function fail(message: string): never {
  throw new BuiltinError(message);
}

function typeFail(i: number, want: string, v: RegoValue): never {
  return fail(`operand ${i + 1}: expected ${want}, got ${typeNameOf(v)}`);
}

export function str(args: readonly RegoValue[], i: number): string {
  const v = arg(args, i);
  return typeof v === "string" ? v : typeFail(i, "string", v);
}

export function num(args: readonly RegoValue[], i: number): number {
  const v = arg(args, i);
  return typeof v === "number" ? v : typeFail(i, "number", v);
}

export function int(args: readonly RegoValue[], i: number): number {
  const v = num(args, i);
  return Number.isInteger(v) ? v : fail(`operand ${i + 1}: expected integer, got ${v}`);
}

export function arr(args: readonly RegoValue[], i: number): RegoValue[] {
  const v = arg(args, i);
  return Array.isArray(v) ? v : typeFail(i, "array", v);
}

export function obj(args: readonly RegoValue[], i: number): RegoObject {
  const v = arg(args, i);
  return isObject(v) ? v : typeFail(i, "object", v);
}

export function set(args: readonly RegoValue[], i: number): RegoSet {
  const v = arg(args, i);
  return v instanceof RegoSet ? v : typeFail(i, "set", v);
}

/** Elements of an array or set (sets in sorted order). */
export function coll(args: readonly RegoValue[], i: number): readonly RegoValue[] {
  const v = arg(args, i);
  if (Array.isArray(v)) return v;
  if (v instanceof RegoSet) return v.values();
  return typeFail(i, "array or set", v);
}

/** Code points of a string (Rego string functions count runes, not UTF-16 units). */
export function runes(s: string): string[] {
  return Array.from(s);
}
