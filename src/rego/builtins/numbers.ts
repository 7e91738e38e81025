// Number builtins: abs, round, ceil, floor, to_number, format_int, numbers.range and the bits.* family.

import type { RegoValue } from "../value.ts";
import { type BuiltinDef, fail, int, num } from "./args.ts";

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

function toNumber(v: RegoValue): number {
  if (v === null) return 0;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "number") return v;
  if (typeof v === "string" && DECIMAL.test(v)) {
    const n = Number(v);
    if (Number.isFinite(n)) return n === 0 ? 0 : n;
  }
  return fail("operand 1: expected number, numeric string, boolean or null");
}

/** Go math.Round: half away from zero. */
function round(n: number): number {
  const r = Math.sign(n) * Math.round(Math.abs(n));
  return r === 0 ? 0 : r;
}

function formatInt(n: number, base: number): string {
  if (base !== 2 && base !== 8 && base !== 10 && base !== 16) fail("operand 2: expected base 2, 8, 10 or 16");
  const i = Math.floor(n);
  return (i < 0 ? "-" : "") + Math.abs(i).toString(base);
}

/** Integers for bit operations, exact beyond 32 bits via BigInt. */
function big(a: readonly RegoValue[], i: number): bigint {
  const n = int(a, i);
  if (!Number.isSafeInteger(n)) fail(`operand ${i + 1}: integer out of range`);
  return BigInt(n);
}

function fromBig(b: bigint): number {
  const n = Number(b);
  return Number.isSafeInteger(n) ? n : fail("result out of range");
}

function range(a: number, b: number): number[] {
  if (Math.abs(b - a) > 1_000_000) fail("range too large");
  const out: number[] = [];
  if (a <= b) for (let i = a; i <= b; i++) out.push(i);
  else for (let i = a; i >= b; i--) out.push(i);
  return out;
}

function shiftCount(a: readonly RegoValue[]): bigint {
  const s = big(a, 1);
  return s < 0n || s > 64n ? fail("operand 2: shift out of range") : s;
}

export const NUMBERS: Record<string, BuiltinDef> = {
  abs: { arity: 1, fn: (a) => Math.abs(num(a, 0)) },
  round: { arity: 1, fn: (a) => round(num(a, 0)) },
  ceil: { arity: 1, fn: (a) => Math.ceil(num(a, 0)) || 0 },
  floor: { arity: 1, fn: (a) => Math.floor(num(a, 0)) },
  to_number: { arity: 1, fn: (a) => toNumber(a[0] as RegoValue) },
  format_int: { arity: 2, fn: (a) => formatInt(num(a, 0), int(a, 1)) },
  "numbers.range": { arity: 2, fn: (a) => range(int(a, 0), int(a, 1)) },
  "bits.and": { arity: 2, fn: (a) => fromBig(big(a, 0) & big(a, 1)) },
  "bits.or": { arity: 2, fn: (a) => fromBig(big(a, 0) | big(a, 1)) },
  "bits.xor": { arity: 2, fn: (a) => fromBig(big(a, 0) ^ big(a, 1)) },
  "bits.negate": { arity: 1, fn: (a) => fromBig(~big(a, 0)) },
  "bits.lsh": { arity: 2, fn: (a) => fromBig(big(a, 0) << shiftCount(a)) },
  "bits.rsh": { arity: 2, fn: (a) => fromBig(big(a, 0) >> shiftCount(a)) },
};
