// Conversions between plain JSON-compatible JS values and Rego values, and OPA's text form of a value.

import { ParseError } from "../common/errors.ts";
import { newObject, type RegoObject, RegoSet, type RegoValue, sortedKeys } from "./value.ts";

const MAX_DEPTH = 512;

/**
 * Converts an untrusted JS value (e.g. from JSON.parse) into a Rego value: deep copy with null-prototype
 * objects. Rejects anything JSON cannot carry (undefined, functions, non-finite numbers, class instances).
 * A RegoSet is accepted as is.
 */
export function fromJson(v: unknown, field = "input"): RegoValue {
  const path: (string | number)[] = [];
  try {
    return convert(v, path);
  } catch (e) {
    if (!(e instanceof BadValue)) throw e;
    const at = field + path.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("");
    throw new ParseError("rego_invalid_value", `${at}: ${e.message}`, { field: at });
  }
}

/** A value JSON cannot carry; `path` (kept by convert) says where. */
class BadValue extends Error {}

// The path is pushed and popped as convert descends and only turned into text on failure: building a field name
// per node cost a fifth of an evaluation.
function convert(v: unknown, path: (string | number)[]): RegoValue {
  if (v === null || typeof v === "boolean" || typeof v === "string") return v;
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new BadValue(`expected finite number, got ${v}`);
    return v === 0 ? 0 : v;
  }
  if (path.length >= MAX_DEPTH) throw new BadValue(`nesting deeper than ${MAX_DEPTH}`);
  if (v instanceof RegoSet) return v;
  if (Array.isArray(v)) {
    const out: RegoValue[] = new Array(v.length);
    for (let i = 0; i < v.length; i++) {
      path.push(i);
      out[i] = convert(v[i], path);
      path.pop();
    }
    return out;
  }
  if (typeof v === "object") {
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null)
      throw new BadValue(`expected plain object, got ${proto?.constructor?.name ?? "object"}`);
    const out = newObject();
    for (const k of Object.keys(v)) {
      path.push(k);
      out[k] = convert((v as Record<string, unknown>)[k], path);
      path.pop();
    }
    return out;
  }
  throw new BadValue(`expected JSON value, got ${typeof v}`);
}

/** Converts a Rego value to plain JSON data: sets become sorted arrays, object keys are sorted. */
export function toJson(v: RegoValue): unknown {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map(toJson);
  if (v instanceof RegoSet) return v.values().map(toJson);
  const out: Record<string, unknown> = {};
  for (const k of sortedKeys(v))
    Object.defineProperty(out, k, {
      value: toJson(v[k] as RegoValue),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return out;
}

/** Compact JSON with sorted keys, as OPA's json.marshal writes it. */
export function marshalJson(v: RegoValue): string {
  return JSON.stringify(toJson(v));
}

/** Quotes a string like Go's strconv.Quote (what OPA prints for strings inside values). */
export function quoteString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (c === 7) out += "\\a";
    else if (c === 8) out += "\\b";
    else if (c === 12) out += "\\f";
    else if (c === 10) out += "\\n";
    else if (c === 13) out += "\\r";
    else if (c === 9) out += "\\t";
    else if (c === 11) out += "\\v";
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else if (!isPrintable(c))
      out += c > 0xffff ? `\\U${c.toString(16).padStart(8, "0")}` : `\\u${c.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

function isPrintable(c: number): boolean {
  if (c >= 0x80 && c < 0xa0) return false;
  if (c === 0xad || (c >= 0xd800 && c < 0xe000) || c === 0xfeff) return false;
  if (c >= 0x2028 && c <= 0x202e) return false;
  return !(c >= 0x200b && c <= 0x200f);
}

/** Formats a number the way OPA prints it (integers without exponent where exact). */
export function formatNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return n.toFixed(0);
  return String(n);
}

/** OPA's text form of a value (Term.String()): strings quoted, sets as {…} or set(). */
export function formatValue(v: RegoValue): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") return formatNumber(v);
  if (typeof v === "string") return quoteString(v);
  if (Array.isArray(v)) return `[${v.map(formatValue).join(", ")}]`;
  if (v instanceof RegoSet) return v.size === 0 ? "set()" : `{${v.values().map(formatValue).join(", ")}}`;
  return `{${formatObjectEntries(v)}}`;
}

function formatObjectEntries(o: RegoObject): string {
  return sortedKeys(o)
    .map((k) => `${quoteString(k)}: ${formatValue(o[k] as RegoValue)}`)
    .join(", ");
}

/** Like formatValue, but a top-level string is written raw (print and sprintf %v/%s). */
export function formatValueRaw(v: RegoValue): string {
  return typeof v === "string" ? v : formatValue(v);
}
