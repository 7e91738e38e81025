// Operator builtins: comparison, arithmetic, set union/intersection/difference and `in` membership.

import { compareValues, equalValues, hasKey, isObject, RegoSet, type RegoValue } from "../value.ts";
import { type BuiltinDef, fail, num } from "./args.ts";

function arith(f: (a: number, b: number) => number): BuiltinDef {
  return {
    arity: 2,
    fn: (a) => {
      const r = f(num(a, 0), num(a, 1));
      return Number.isFinite(r) ? r : fail("arithmetic result out of range");
    },
  };
}

function setOp(
  f: (a: RegoSet, b: RegoSet) => RegoSet,
  numeric?: (a: number, b: number) => number,
): BuiltinDef {
  return {
    arity: 2,
    fn: ([a, b]) => {
      if (a instanceof RegoSet && b instanceof RegoSet) return f(a, b);
      if (numeric !== undefined && typeof a === "number" && typeof b === "number") return numeric(a, b);
      return fail("operands: expected two sets");
    },
  };
}

/** `x in c`: element of an array or set, or value of an object. */
export function isMember(x: RegoValue, c: RegoValue): boolean {
  if (Array.isArray(c)) return c.some((v) => equalValues(v, x));
  if (c instanceof RegoSet) return c.has(x);
  if (isObject(c)) return Object.values(c).some((v) => equalValues(v, x));
  return false;
}

/** `k, v in c`: index/key `k` holds `v`. */
function isMemberAt(k: RegoValue, v: RegoValue, c: RegoValue): boolean {
  if (Array.isArray(c))
    return (
      typeof k === "number" &&
      Number.isInteger(k) &&
      k >= 0 &&
      k < c.length &&
      equalValues(c[k] as RegoValue, v)
    );
  if (c instanceof RegoSet) return c.has(v) && equalValues(k, v);
  if (isObject(c)) return typeof k === "string" && hasKey(c, k) && equalValues(c[k] as RegoValue, v);
  return false;
}

export const OPERATORS: Record<string, BuiltinDef> = {
  equal: { arity: 2, fn: ([a, b]) => equalValues(a as RegoValue, b as RegoValue) },
  neq: { arity: 2, fn: ([a, b]) => !equalValues(a as RegoValue, b as RegoValue) },
  lt: { arity: 2, fn: ([a, b]) => compareValues(a as RegoValue, b as RegoValue) < 0 },
  lte: { arity: 2, fn: ([a, b]) => compareValues(a as RegoValue, b as RegoValue) <= 0 },
  gt: { arity: 2, fn: ([a, b]) => compareValues(a as RegoValue, b as RegoValue) > 0 },
  gte: { arity: 2, fn: ([a, b]) => compareValues(a as RegoValue, b as RegoValue) >= 0 },
  plus: arith((a, b) => a + b),
  mul: arith((a, b) => a * b),
  div: arith((a, b) => (b === 0 ? fail("divide by zero") : a / b)),
  rem: arith((a, b) => {
    if (!Number.isInteger(a) || !Number.isInteger(b)) fail("modulo on floating-point number");
    if (b === 0) fail("modulo by zero");
    const r = a % b;
    return r === 0 ? 0 : r;
  }),
  minus: setOp(
    (a, b) => new RegoSet(a.values().filter((v) => !b.has(v))),
    (a, b) => a - b,
  ),
  or: setOp((a, b) => new RegoSet([...a.values(), ...b.values()])),
  and: setOp((a, b) => new RegoSet(a.values().filter((v) => b.has(v)))),
  "internal.member_2": { arity: 2, fn: ([x, c]) => isMember(x as RegoValue, c as RegoValue) },
  "internal.member_3": {
    arity: 3,
    fn: ([k, v, c]) => isMemberAt(k as RegoValue, v as RegoValue, c as RegoValue),
  },
};
