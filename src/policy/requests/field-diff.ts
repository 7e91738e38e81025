// Names the request field behind a failed policy comparison: finds compared values in the request and diffs lists element by element.

import type { ExplainFailure } from "../../rego/index.ts";
import { matchRe2 } from "../../rego/re2/index.ts";

export type Path = readonly (string | number)[];

const MAX_PATHS = 64;
const MAX_LINES = 8;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** JSON with object keys sorted: the evaluator returns objects with sorted keys, requests keep theirs. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (isObject(v))
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(",")}}`;
  return JSON.stringify(v) ?? "undefined";
}

function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

/** Equal, or equal as sets (the policy compares some lists as sets, and a set's JSON form is sorted). */
function sameValue(a: unknown, b: unknown): boolean {
  if (sameJson(a, b)) return true;
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  const key = canonical;
  const sa = a.map(key).sort();
  const sb = b.map(key).sort();
  return sa.every((x, i) => x === sb[i]);
}

/** Every path in `root` whose value equals `value`. */
export function findPaths(root: unknown, value: unknown): Path[] {
  if (value === undefined || value === null) return [];
  const out: Path[] = [];
  const walk = (v: unknown, path: (string | number)[]) => {
    if (out.length >= MAX_PATHS) return;
    if (sameValue(v, value)) out.push([...path]);
    if (Array.isArray(v)) {
      for (const [i, x] of v.entries()) walk(x, [...path, i]);
    } else if (isObject(v)) for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(root, []);
  return out;
}

export function formatPath(path: Path): string {
  let out = "";
  for (const s of path) {
    if (typeof s === "number") out += `[${s}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(s)) out += out === "" ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out === "" ? "(request)" : out;
}

function getAt(root: unknown, path: Path): unknown {
  let cur = root;
  for (const s of path) {
    if (Array.isArray(cur) && typeof s === "number") cur = cur[s];
    else if (isObject(cur) && typeof s === "string") cur = cur[s];
    else return undefined;
  }
  return cur;
}

function show(v: unknown): string {
  if (isObject(v) && typeof v.exact === "string" && Object.keys(v).length === 1)
    return JSON.stringify(v.exact);
  if (isObject(v) && typeof v.regex === "string" && Object.keys(v).length === 1)
    return `a value matching /${v.regex}/`;
  const s = JSON.stringify(v) ?? "undefined";
  return s.length > 300 ? `${s.slice(0, 300)}…` : s;
}

const DIFF_REGEX_STEPS = 10_000_000;

/** Policy patterns ({exact} | {regex}) match by value or regex; anything else by equality. */
function matches(expected: unknown, got: unknown): boolean {
  if (isObject(expected) && typeof expected.exact === "string") return expected.exact === got;
  if (isObject(expected) && typeof expected.regex === "string" && typeof got === "string") {
    try {
      // The policy's own dialect and engine (RE2, linear time), bounded like one evaluation.
      return matchRe2(expected.regex, got, DIFF_REGEX_STEPS);
    } catch {
      return false;
    }
  }
  return sameJson(expected, got);
}

/** Element-by-element difference of a request list against the policy's list, naming indexes in the request. */
export function diffLists(path: Path, expected: readonly unknown[], got: readonly unknown[]): string[] {
  const at = (i: number) => formatPath([...path, i]);
  const extra = got.flatMap((g, i) => (expected.some((e) => matches(e, g)) ? [] : [i]));
  const missing = expected.filter((e) => !got.some((g) => matches(e, g)));
  if (extra.length === 1 && missing.length === 1 && expected.length === got.length) {
    const i = extra[0] as number;
    return [`${at(i)}: expected ${show(missing[0])}, got ${show(got[i])}`];
  }
  const out = extra.map((i) => `${at(i)}: ${show(got[i])} is not allowed by the policy`);
  for (const e of missing) out.push(`${formatPath(path)}: expected an entry ${show(e)}, got none`);
  if (out.length > MAX_LINES)
    return [...out.slice(0, MAX_LINES), `… and ${out.length - MAX_LINES} more differences`];
  if (out.length === 0 && got.length === expected.length) {
    const i = got.findIndex((g, j) => !matches(expected[j], g));
    if (i >= 0) out.push(`${at(i)}: expected ${show(expected[i])}, got ${show(got[i])}`);
  }
  return out;
}

function isPrefix(a: Path, b: Path): boolean {
  return a.length <= b.length && a.every((s, i) => s === b[i]);
}

/** The best of several locations: inside the every element, then named in the expression, then shortest. */
function pickPath(paths: readonly Path[], hint: string, within: Path | undefined): Path | undefined {
  const score = (p: Path) =>
    (within !== undefined && isPrefix(within, p) ? 100 : 0) +
    (typeof p[p.length - 1] === "string" && hint.includes(String(p[p.length - 1])) ? 10 : 0) -
    p.length;
  return [...paths].sort((a, b) => score(b) - score(a))[0];
}

/** Strings of the form KEY=VALUE only compare meaningfully with the same KEY (env vars). */
function related(expected: unknown, got: unknown, gotPath: Path, elementPath: Path | undefined): boolean {
  if (
    typeof expected === "string" &&
    typeof got === "string" &&
    expected.includes("=") &&
    got.includes("=")
  ) {
    return expected.split("=")[0] === got.split("=")[0];
  }
  // Inside an element the policy searched a list of candidates: the first candidate says nothing.
  return !(
    elementPath !== undefined &&
    gotPath.length > elementPath.length &&
    isPrefix(elementPath, gotPath)
  );
}

/** A regex for KEY=VALUE says something about a KEY=VALUE string only when it is anchored on the same KEY. */
function regexRelated(re: string, value: unknown): boolean {
  if (typeof value !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*=/.test(value)) return true;
  const key = value.slice(0, value.indexOf("="));
  return re.startsWith(`^${key}=`);
}

/** `input.a.b["c"]` references in an expression, resolved against the request. */
function inputRefs(text: string, input: unknown): Path[] {
  const out: Path[] = [];
  for (const m of text.matchAll(/input((?:\.[A-Za-z_][A-Za-z0-9_]*|\["[^"]*"\])+)/g)) {
    const path = [...(m[1] as string).matchAll(/\.([A-Za-z_][A-Za-z0-9_]*)|\["([^"]*)"\]/g)].map(
      (x) => (x[1] ?? x[2]) as string,
    );
    if (getAt(input, path) !== undefined) out.push(path);
  }
  return out;
}

interface Element {
  readonly key: unknown;
  readonly value: unknown;
}

const COMPARISONS = new Set(["equal", "neq", "unify", "lt", "lte", "gt", "gte"]);

function collectStrings(v: unknown, path: (string | number)[]): [Path, string][] {
  if (typeof v === "string") return [[path, v]];
  if (Array.isArray(v)) return v.flatMap((x, i) => collectStrings(x, [...path, i]));
  if (isObject(v)) return Object.entries(v).flatMap(([k, x]) => collectStrings(x, [...path, k]));
  return [];
}

/** Where an operand sits in the request; scalars other than strings only count where the expression names the field. */
function locate(input: unknown, v: unknown, hint: string, el: Path | undefined): Path | undefined {
  const p = pickPath(findPaths(input, v), hint, el);
  if (p === undefined) return undefined;
  if (typeof v === "string" || typeof v === "object") return p;
  const last = p[p.length - 1];
  return typeof last === "string" && hint.includes(last) ? p : undefined;
}

/**
 * Which operand holds the policy's value (0 or 1), by the naming convention of rules.rego: policy data is
 * read through `policy_data` or variables starting with `p` (`p`, `pm`, `pt`, `pc`, `ps`).
 */
function policySide(text: string): number | undefined {
  const sides = text.split(/\s(?:==|!=|=)\s/);
  if (sides.length !== 2) return undefined;
  const isPolicy = (x: string) => /^(?:policy_data|p[a-z]?)\b/.test(x.trim());
  const [l, r] = sides.map((x) => isPolicy(x as string));
  return l === r ? undefined : l ? 0 : 1;
}

function fromComparison(f: ExplainFailure, el: Path | undefined, input: unknown): string[] {
  const [a, b] = f.values;
  if (a === undefined || b === undefined) return [];
  const side = policySide(f.text);
  for (const ref of inputRefs(f.text, input)) {
    const got = getAt(input, ref);
    const other = sameJson(got, a) ? b : sameJson(got, b) ? a : undefined;
    if (other !== undefined) return [`${formatPath(ref)}: expected ${show(other)}, got ${show(got)}`];
  }
  const pa = locate(input, a, f.text, el);
  const pb = locate(input, b, f.text, el);
  if (pa === undefined && pb === undefined) return fromPart(a, b, input, side);
  if (pa !== undefined && pb !== undefined && side === undefined) return [];
  if (pa !== undefined && pb !== undefined) {
    const [path, got, expected] = side === 0 ? [pb, b, a] : [pa, a, b];
    return related(expected, got, path, el)
      ? [`${formatPath(path)}: expected ${show(expected)}, got ${show(got)}`]
      : [];
  }
  const [path, got, expected] = pa !== undefined ? [pa, a, b] : [pb as Path, b, a];
  if (Array.isArray(got) && Array.isArray(expected)) return diffLists(path, expected, got);
  if (!related(expected, got, path, el)) return [];
  return [`${formatPath(path)}: expected ${show(expected)}, got ${show(got)}`];
}

/** Neither operand is a whole field: one may be part of one (the digest of an image reference). */
function fromPart(a: unknown, b: unknown, input: unknown, side: number | undefined): string[] {
  if (typeof a !== "string" || typeof b !== "string" || a.length < 8 || b.length < 8) return [];
  const inA = collectStrings(input, []).filter(([, s]) => s.includes(a) && !s.includes(b));
  const inB = collectStrings(input, []).filter(([, s]) => s.includes(b) && !s.includes(a));
  const gotIsA = side !== undefined ? side === 1 : inA.length > 0 && inB.length === 0;
  const holders = gotIsA ? inA : inB;
  if (holders.length === 0 || (side === undefined && inA.length > 0 && inB.length > 0)) return [];
  const [path, full] = holders[0] as [Path, string];
  const [got, expected] = gotIsA ? [a, b] : [b, a];
  return [`${formatPath(path)}: expected ${show(expected)}, got ${show(got)} (in ${show(full)})`];
}

function fromElement(e: Element, args: readonly unknown[][], input: unknown): string[] {
  const path = pickPath(findPaths(input, e.value), "", undefined);
  if (path !== undefined) return [`${formatPath(path)}: ${show(e.value)} is not allowed by the policy`];
  for (const call of args) {
    for (const arg of call) {
      const argPath = pickPath(findPaths(input, arg), "", undefined);
      if (argPath === undefined) continue;
      // every k in [...keys]: compare that key of the policy's object and the request's.
      const key = e.value;
      if (typeof key === "string" && isObject(arg) && key in arg) {
        const policy = call.find((x) => x !== arg && isObject(x) && key in x) as
          | Record<string, unknown>
          | undefined;
        const want = policy?.[key];
        const have = arg[key];
        if (Array.isArray(want) && Array.isArray(have)) return diffLists([...argPath, key], want, have);
      }
      // every element of the policy's list must be present in the request's list.
      if (Array.isArray(arg)) return [`${formatPath(argPath)}: expected an entry ${show(e.value)}, got none`];
    }
  }
  return [];
}

function fromCallArgs(args: readonly unknown[][], input: unknown): string[] {
  for (const call of args) {
    for (const arg of call) {
      if (!Array.isArray(arg)) continue;
      const path = pickPath(findPaths(input, arg), "", undefined);
      const policy = call.find((x) => x !== arg && Array.isArray(x) && findPaths(input, x).length === 0);
      if (path !== undefined && Array.isArray(policy)) {
        const lines = diffLists(path, policy, arg);
        if (lines.length > 0) return lines;
      }
    }
  }
  return [];
}

/**
 * Lines `path: expected …, got …` for a failed expression: `failure` is the innermost one, `element` the
 * nearest `every` element, `args` the operand values of the failing rule calls (innermost first).
 */
export function describeDifference(
  failure: ExplainFailure | undefined,
  element: Element | undefined,
  args: readonly unknown[][],
  input: unknown,
): string[] {
  const elPath = element === undefined ? undefined : pickPath(findPaths(input, element.value), "", undefined);
  if (failure !== undefined && failure.values.length === 2) {
    const [re, value] = failure.values;
    if (failure.operation === "regex.match" && typeof re === "string" && regexRelated(re, value)) {
      const path = pickPath(findPaths(input, value), failure.text, elPath);
      if (path !== undefined)
        return [
          `${formatPath(path)}: expected a value matching /${failure.values[0]}/, got ${show(failure.values[1])}`,
        ];
    }
    if (COMPARISONS.has(failure.operation)) {
      const lines = fromComparison(failure, elPath, input);
      if (lines.length > 0) return lines;
    }
  }
  if (element !== undefined) {
    const lines = fromElement(element, args, input);
    if (lines.length > 0) return lines;
  }
  return fromCallArgs(args, input);
}
