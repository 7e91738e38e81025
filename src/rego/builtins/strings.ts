// String builtins (OPA "strings" category): rune-based where Go works on runes.

import { type RegoValue, sortedKeys } from "../value.ts";
import { type BuiltinDef, coll, fail, int, obj, runes, str } from "./args.ts";
import { formatSprintf } from "./sprintf.ts";

/** Unicode white space as Go's unicode.IsSpace defines it. */
const SPACE =
  "\t\n\v\f\r \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000";

function trimLeftSet(s: string, cut: Set<string>): string {
  const r = runes(s);
  let i = 0;
  while (i < r.length && cut.has(r[i] as string)) i++;
  return r.slice(i).join("");
}

function trimRightSet(s: string, cut: Set<string>): string {
  const r = runes(s);
  let j = r.length;
  while (j > 0 && cut.has(r[j - 1] as string)) j--;
  return r.slice(0, j).join("");
}

function cutset(a: readonly RegoValue[], i: number): Set<string> {
  return new Set(runes(str(a, i)));
}

function replaceAll(s: string, old: string, rep: string): string {
  if (old !== "") return s.split(old).join(rep);
  // Go inserts the replacement before every rune and at the end.
  return `${runes(s)
    .map((r) => rep + r)
    .join("")}${rep}`;
}

function splitString(s: string, sep: string): string[] {
  return sep === "" ? runes(s) : s.split(sep);
}

function substring(s: string, start: number, length: number): string {
  if (start < 0) fail("negative offset");
  const r = runes(s);
  if (start >= r.length) return "";
  return (length < 0 ? r.slice(start) : r.slice(start, start + length)).join("");
}

function indexOf(s: string, sub: string): number {
  const i = s.indexOf(sub);
  return i < 0 ? -1 : runes(s.slice(0, i)).length;
}

/** strings.replace_n: one left-to-right pass, patterns tried in sorted key order (Go strings.Replacer). */
function replaceN(patterns: Record<string, RegoValue>, s: string): string {
  const keys = sortedKeys(patterns).filter((k) => k !== "");
  for (const k of keys) if (typeof patterns[k] !== "string") fail("operand 1: expected object of strings");
  let out = "";
  let i = 0;
  outer: while (i < s.length) {
    for (const k of keys) {
      if (s.startsWith(k, i)) {
        out += patterns[k] as string;
        i += k.length;
        continue outer;
      }
    }
    out += s[i];
    i++;
  }
  return out;
}

function concatStrings(sep: string, items: readonly RegoValue[]): string {
  for (const v of items) if (typeof v !== "string") fail("operand 2: expected array or set of strings");
  return (items as string[]).join(sep);
}

export const STRINGS: Record<string, BuiltinDef> = {
  concat: { arity: 2, fn: (a) => concatStrings(str(a, 0), coll(a, 1)) },
  contains: { arity: 2, fn: (a) => str(a, 0).includes(str(a, 1)) },
  startswith: { arity: 2, fn: (a) => str(a, 0).startsWith(str(a, 1)) },
  endswith: { arity: 2, fn: (a) => str(a, 0).endsWith(str(a, 1)) },
  indexof: { arity: 2, fn: (a) => indexOf(str(a, 0), str(a, 1)) },
  lower: { arity: 1, fn: (a) => str(a, 0).toLowerCase() },
  upper: { arity: 1, fn: (a) => str(a, 0).toUpperCase() },
  replace: { arity: 3, fn: (a) => replaceAll(str(a, 0), str(a, 1), str(a, 2)) },
  "strings.replace_n": { arity: 2, fn: (a) => replaceN(obj(a, 0), str(a, 1)) },
  "strings.reverse": { arity: 1, fn: (a) => runes(str(a, 0)).reverse().join("") },
  split: { arity: 2, fn: (a) => splitString(str(a, 0), str(a, 1)) },
  substring: { arity: 3, fn: (a) => substring(str(a, 0), int(a, 1), int(a, 2)) },
  trim: { arity: 2, fn: (a) => trimRightSet(trimLeftSet(str(a, 0), cutset(a, 1)), cutset(a, 1)) },
  trim_left: { arity: 2, fn: (a) => trimLeftSet(str(a, 0), cutset(a, 1)) },
  trim_right: { arity: 2, fn: (a) => trimRightSet(str(a, 0), cutset(a, 1)) },
  trim_prefix: {
    arity: 2,
    fn: (a) => {
      const s = str(a, 0);
      const p = str(a, 1);
      return s.startsWith(p) ? s.slice(p.length) : s;
    },
  },
  trim_suffix: {
    arity: 2,
    fn: (a) => {
      const s = str(a, 0);
      const p = str(a, 1);
      return p !== "" && s.endsWith(p) ? s.slice(0, s.length - p.length) : s;
    },
  },
  trim_space: {
    arity: 1,
    fn: (a) => {
      const set = new Set(runes(SPACE));
      return trimRightSet(trimLeftSet(str(a, 0), set), set);
    },
  },
  "strings.count": {
    arity: 2,
    fn: (a) => {
      const s = str(a, 0);
      const sub = str(a, 1);
      return sub === "" ? Array.from(s).length + 1 : s.split(sub).length - 1;
    },
  },
  sprintf: {
    arity: 2,
    fn: (a) => {
      const v = a[1];
      return Array.isArray(v) ? formatSprintf(str(a, 0), v) : fail("operand 2: expected array");
    },
  },
};
