// Aggregate, array, object and set builtins: count, sum/max/min/sort, array.*, object.*, union, intersection.

import {
  compareValues,
  hasKey,
  isObject,
  newObject,
  type RegoObject,
  RegoSet,
  type RegoValue,
  typeNameOf,
} from "../value.ts";
import { arr, type BuiltinDef, coll, fail, int, obj, runes, set } from "./args.ts";

function count(v: RegoValue): number {
  if (typeof v === "string") return runes(v).length;
  if (Array.isArray(v)) return v.length;
  if (v instanceof RegoSet) return v.size;
  if (isObject(v)) return Object.keys(v).length;
  return fail(`operand 1: expected collection or string, got ${typeNameOf(v)}`);
}

function numbers(items: readonly RegoValue[]): number[] {
  for (const v of items) if (typeof v !== "number") fail("operand 1: expected array or set of numbers");
  return items as number[];
}

function extreme(items: readonly RegoValue[], sign: 1 | -1): RegoValue | undefined {
  let best: RegoValue | undefined;
  for (const v of items) if (best === undefined || compareValues(v, best) * sign > 0) best = v;
  return best;
}

/** object.get with a key or, when the key is an array, a path. */
function objectGet(o: RegoObject, key: RegoValue, dflt: RegoValue): RegoValue {
  const path = Array.isArray(key) ? key : [key];
  let cur: RegoValue = o;
  for (const k of path) {
    if (isObject(cur) && typeof k === "string" && hasKey(cur, k)) cur = cur[k] as RegoValue;
    else if (Array.isArray(cur) && typeof k === "number" && Number.isInteger(k) && k >= 0 && k < cur.length)
      cur = cur[k] as RegoValue;
    else if (cur instanceof RegoSet && cur.has(k)) cur = k;
    else return dflt;
  }
  return cur;
}

function keysOf(v: RegoValue): RegoValue[] {
  if (Array.isArray(v)) return v;
  if (v instanceof RegoSet) return [...v.values()];
  if (isObject(v)) return Object.keys(v);
  return fail("operand 2: expected array, set or object of keys");
}

function objectRemove(o: RegoObject, keys: readonly RegoValue[]): RegoObject {
  const drop = new Set(keys.filter((k) => typeof k === "string"));
  const out = newObject();
  for (const k of Object.keys(o)) if (!drop.has(k)) out[k] = o[k] as RegoValue;
  return out;
}

function objectFilter(o: RegoObject, keys: readonly RegoValue[]): RegoObject {
  const out = newObject();
  for (const k of keys) if (typeof k === "string" && hasKey(o, k)) out[k] = o[k] as RegoValue;
  return out;
}

/** Recursive merge; b wins, nested objects merge. */
function objectUnion(a: RegoObject, b: RegoObject): RegoObject {
  const out = newObject();
  for (const k of Object.keys(a)) out[k] = a[k] as RegoValue;
  for (const k of Object.keys(b)) {
    const av = out[k];
    const bv = b[k] as RegoValue;
    out[k] = hasKey(out, k) && isObject(av) && isObject(bv) ? objectUnion(av, bv) : bv;
  }
  return out;
}

function slice(a: RegoValue[], start: number, stop: number): RegoValue[] {
  const s = Math.max(0, start);
  const e = Math.min(a.length, stop);
  return s >= e ? [] : a.slice(s, e);
}

function setsOf(s: RegoSet): RegoSet[] {
  for (const v of s.values()) if (!(v instanceof RegoSet)) fail("operand 1: expected set of sets");
  return s.values() as RegoSet[];
}

export const COLLECTIONS: Record<string, BuiltinDef> = {
  count: { arity: 1, fn: (a) => count(a[0] as RegoValue) },
  sum: { arity: 1, fn: (a) => numbers(coll(a, 0)).reduce((x, y) => x + y, 0) },
  product: { arity: 1, fn: (a) => numbers(coll(a, 0)).reduce((x, y) => x * y, 1) },
  max: { arity: 1, fn: (a) => extreme(coll(a, 0), 1) },
  min: { arity: 1, fn: (a) => extreme(coll(a, 0), -1) },
  sort: { arity: 1, fn: (a) => [...coll(a, 0)].sort(compareValues) },
  "array.concat": { arity: 2, fn: (a) => [...arr(a, 0), ...arr(a, 1)] },
  "array.slice": { arity: 3, fn: (a) => slice(arr(a, 0), int(a, 1), int(a, 2)) },
  "array.reverse": { arity: 1, fn: (a) => [...arr(a, 0)].reverse() },
  "object.get": { arity: 3, fn: (a) => objectGet(obj(a, 0), a[1] as RegoValue, a[2] as RegoValue) },
  "object.keys": { arity: 1, fn: (a) => new RegoSet(Object.keys(obj(a, 0))) },
  "object.remove": { arity: 2, fn: (a) => objectRemove(obj(a, 0), keysOf(a[1] as RegoValue)) },
  "object.filter": { arity: 2, fn: (a) => objectFilter(obj(a, 0), keysOf(a[1] as RegoValue)) },
  "object.union": { arity: 2, fn: (a) => objectUnion(obj(a, 0), obj(a, 1)) },
  union: {
    arity: 1,
    fn: (a) => new RegoSet(setsOf(set(a, 0)).flatMap((s) => [...s.values()])),
  },
  intersection: {
    arity: 1,
    fn: (a) => {
      const sets = setsOf(set(a, 0));
      const first = sets[0];
      if (first === undefined) return new RegoSet();
      return new RegoSet(first.values().filter((v) => sets.every((s) => s.has(v))));
    },
  },
};
