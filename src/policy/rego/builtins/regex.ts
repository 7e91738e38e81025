// Regex builtins (regex.match, regex.find_all_string_submatch_n, regex.split, …) over translated RE2 patterns.

import { type BuiltinDef, fail, int, str } from "./args.ts";
import { RegexSyntaxError, translateRegex } from "./regex-translate.ts";

const CACHE_LIMIT = 512;
const cache = new Map<string, RegExp>();

/** Compiles (and caches) a RE2-dialect pattern; invalid patterns are builtin errors. */
export function compileRegex(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (re !== undefined) return re;
  try {
    const t = translateRegex(pattern);
    re = new RegExp(t.source, `${t.flags}g`);
  } catch (e) {
    return fail(
      `invalid regular expression: ${e instanceof RegexSyntaxError || e instanceof SyntaxError ? e.message : "error"}`,
    );
  }
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(pattern, re);
  return re;
}

/** Unanchored search. */
export function regexMatch(pattern: string, value: string): boolean {
  const re = compileRegex(pattern);
  re.lastIndex = 0;
  return re.test(value);
}

/**
 * All successive non-overlapping matches (at most n, n < 0 = all), as Go's FindAllStringSubmatchIndex:
 * an empty match right after the previous match is skipped.
 */
function findAll(pattern: string, s: string, n: number): RegExpExecArray[] {
  const re = compileRegex(pattern);
  const out: RegExpExecArray[] = [];
  let pos = 0;
  let prevEnd = -1;
  while (pos <= s.length && (n < 0 || out.length < n)) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (m === null) break;
    const end = m.index + m[0].length;
    if (m[0].length === 0 && m.index === prevEnd) {
      pos = m.index + advance(s, m.index);
      continue;
    }
    out.push(m);
    prevEnd = end;
    pos = m[0].length === 0 ? end + advance(s, end) : end;
  }
  return out;
}

function advance(s: string, i: number): number {
  const c = s.codePointAt(i);
  return c !== undefined && c > 0xffff ? 2 : 1;
}

function splitRegex(pattern: string, s: string): string[] {
  if (pattern !== "" && s === "") return [""];
  const out: string[] = [];
  let beg = 0;
  let end = 0;
  for (const m of findAll(pattern, s, -1)) {
    end = m.index;
    if (m.index + m[0].length !== 0) out.push(s.slice(beg, end));
    beg = m.index + m[0].length;
  }
  if (end !== s.length) out.push(s.slice(beg));
  return out;
}

export const REGEX: Record<string, BuiltinDef> = {
  "regex.match": { arity: 2, fn: (a) => regexMatch(str(a, 0), str(a, 1)) },
  "regex.is_valid": {
    arity: 1,
    fn: (a) => {
      try {
        compileRegex(str(a, 0));
        return true;
      } catch {
        return false;
      }
    },
  },
  "regex.find_all_string_submatch_n": {
    arity: 3,
    fn: (a) => findAll(str(a, 0), str(a, 1), int(a, 2)).map((m) => Array.from(m, (g) => g ?? "")),
  },
  "regex.find_n": {
    arity: 3,
    fn: (a) => findAll(str(a, 0), str(a, 1), int(a, 2)).map((m) => m[0]),
  },
  "regex.split": { arity: 2, fn: (a) => splitRegex(str(a, 0), str(a, 1)) },
  "regex.replace": {
    arity: 3,
    fn: (a) => {
      const re = compileRegex(str(a, 1));
      re.lastIndex = 0;
      const rep = str(a, 2).replace(/\$\{?(\w+)\}?/g, (_m, g: string) =>
        /^\d+$/.test(g) ? `$${g}` : `$<${g}>`,
      );
      return str(a, 0).replace(re, rep);
    },
  },
};
