// RE2 regular expressions on a linear-time engine (parse.ts → compile.ts → vm.ts), with the search, find-all,
// replace and split semantics of Go's regexp package, which OPA's regex builtins call.

import { compileProgram, type Program } from "./compile.ts";
import { dfaTest } from "./dfa.ts";
import { parseRegex, RegexSyntaxError } from "./parse.ts";
import { type RegexSteps, vmExec, vmTest } from "./vm.ts";

export type { Program } from "./compile.ts";
export { RegexSyntaxError } from "./parse.ts";
export { RegexStepLimitError, type RegexSteps } from "./vm.ts";

const CACHE_LIMIT = 512;
const cache = new Map<string, Program>();

/** Compiles (and caches) an RE2 pattern; throws RegexSyntaxError for one RE2 rejects or that is too large. */
export function compileRe2(pattern: string): Program {
  let p = cache.get(pattern);
  if (p !== undefined) return p;
  p = compileProgram(parseRegex(pattern));
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(pattern, p);
  return p;
}

/** Whether `pattern` is valid RE2 this engine runs; the reason when it is not. */
export function checkRe2(pattern: string): string | undefined {
  try {
    compileRe2(pattern);
    return undefined;
  } catch (e) {
    if (e instanceof RegexSyntaxError) return e.message;
    throw e;
  }
}

/** One unanchored search of `pattern` outside an evaluation, bounded by `stepLimit`; throws for an invalid pattern. */
export function matchRe2(pattern: string, s: string, stepLimit: number): boolean {
  return re2Test(compileRe2(pattern), s, { used: 0, limit: stepLimit });
}

/** Unanchored search (Go's MatchString): the lazy DFA where it applies, else the Pike VM. */
export function re2Test(p: Program, s: string, steps: RegexSteps): boolean {
  return dfaTest(p, s, steps) ?? vmTest(p, s, 0, steps);
}

/**
 * Successive non-overlapping matches, at most n (n < 0: all), as capture slots (Go's FindAllStringSubmatchIndex):
 * an empty match right after the previous match is skipped.
 */
export function re2FindAll(p: Program, s: string, n: number, steps: RegexSteps): Int32Array[] {
  const out: Int32Array[] = [];
  let prevEnd = -1;
  for (let pos = 0; pos <= s.length && (n < 0 || out.length < n); ) {
    const m = vmExec(p, s, pos, steps);
    if (m === null) break;
    const start = m[0] as number;
    const end = m[1] as number;
    let accept = true;
    if (end === pos) {
      if (start === prevEnd) accept = false;
      pos += width(s, pos);
    } else {
      pos = end;
    }
    prevEnd = end;
    if (accept) out.push(m);
  }
  return out;
}

/** The text of every group of a match ("" for a group that did not take part), as FindAllStringSubmatch gives. */
export function groupTexts(s: string, m: Int32Array): string[] {
  const out: string[] = [];
  for (let i = 0; i < m.length; i += 2) {
    const a = m[i] as number;
    out.push(a < 0 ? "" : s.slice(a, m[i + 1] as number));
  }
  return out;
}

/** Go's ReplaceAllString: `$1`, `${1}`, `$name`, `${name}` expand to groups, `$$` to `$`. */
export function re2Replace(p: Program, s: string, template: string, steps: RegexSteps): string {
  let out = "";
  let lastEnd = 0;
  let lastMatchEnd = -1;
  for (let pos = 0; pos <= s.length; ) {
    const m = vmExec(p, s, pos, steps);
    if (m === null) break;
    const start = m[0] as number;
    const end = m[1] as number;
    out += s.slice(lastEnd, start);
    // No replacement for an empty match right after the previous match (Go: "double replacement").
    if (end > lastMatchEnd || start === 0) out += expand(p, s, m, template);
    lastEnd = end;
    lastMatchEnd = end;
    const w = width(s, pos);
    pos = Math.max(pos + w, end);
  }
  return out + s.slice(lastEnd);
}

/** Go's Regexp.Split(s, -1). */
export function re2Split(p: Program, s: string, steps: RegexSteps, patternIsEmpty: boolean): string[] {
  if (!patternIsEmpty && s === "") return [""];
  const out: string[] = [];
  let beg = 0;
  let end = 0;
  for (const m of re2FindAll(p, s, -1, steps)) {
    end = m[0] as number;
    if ((m[1] as number) !== 0) out.push(s.slice(beg, end));
    beg = m[1] as number;
  }
  if (end !== s.length) out.push(s.slice(beg));
  return out;
}

function width(s: string, pos: number): number {
  const c = s.codePointAt(pos);
  return c !== undefined && c > 0xffff ? 2 : 1;
}

/** Go's Regexp.Expand for one match. */
function expand(p: Program, s: string, m: Int32Array, template: string): string {
  let out = "";
  let i = 0;
  while (i < template.length) {
    const dollar = template.indexOf("$", i);
    if (dollar < 0) break;
    out += template.slice(i, dollar);
    i = dollar + 1;
    if (template[i] === "$") {
      out += "$";
      i++;
      continue;
    }
    const ref = /^(?:\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/.exec(template.slice(i));
    if (ref === null) {
      out += "$"; // malformed: the $ is kept as text
      continue;
    }
    i += ref[0].length;
    const name = (ref[1] ?? ref[2]) as string;
    const group = /^[0-9]+$/.test(name) ? Number(name) : p.names.indexOf(name) + 1;
    if (group > 0 || name === "0") {
      const a = m[2 * group];
      if (a !== undefined && a >= 0) out += s.slice(a, m[2 * group + 1] as number);
    }
  }
  return out + template.slice(i);
}
