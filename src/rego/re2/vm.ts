// A Pike VM over compile.ts programs: all NFA threads advance together one code point at a time, each program
// instruction at most once per position, so a search costs O(input length × program size) steps whatever the
// pattern — `(a+)+$` on "aaaa…b" included. Match priorities are leftmost-first with RE2's capture semantics (Go's
// regexp/exec.go); a boolean test stops at the first thread that matches.
//
// Every instruction visited counts one step against `steps.limit` (RegexStepLimitError), so the Rego step limit
// bounds regex work as it bounds the rest of an evaluation.

import { OP_ASSERT, OP_CHAR, OP_JMP, OP_MATCH, OP_SAVE, OP_SPLIT, type Program } from "./compile.ts";

export class RegexStepLimitError extends Error {}

/** Steps used so far and the most allowed; shared by every call of one evaluation. */
export interface RegexSteps {
  used: number;
  readonly limit: number;
}

interface Scratch {
  readonly mark: Int32Array;
  readonly stack: Int32Array;
  gen: number;
}

const scratches = new WeakMap<Program, Scratch>();

function scratchOf(p: Program): Scratch {
  let s = scratches.get(p);
  if (s === undefined) {
    // The capture version pushes a visit and possibly a restore per instruction: two (pc, value) pairs each.
    s = { mark: new Int32Array(p.op.length), stack: new Int32Array(4 * p.op.length + 4), gen: 0 };
    scratches.set(p, s);
  }
  return s;
}

function nextGen(sc: Scratch): number {
  if (sc.gen >= 0x7ffffff0) {
    sc.mark.fill(0);
    sc.gen = 0;
  }
  return ++sc.gen;
}

const isWordChar = (c: number) =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;

/** Empty-width assertion `kind` (compile.ts ASSERT_CODES) at UTF-16 offset `pos` of `s`. */
function assertHolds(kind: number, s: string, pos: number): boolean {
  switch (kind) {
    case 0:
      return pos === 0;
    case 1:
      return pos === s.length;
    case 2:
      return pos === 0 || s.charCodeAt(pos - 1) === 10;
    case 3:
      return pos === s.length || s.charCodeAt(pos) === 10;
    default: {
      const before = pos > 0 && isWordChar(s.charCodeAt(pos - 1));
      const after = pos < s.length && isWordChar(s.charCodeAt(pos));
      return kind === 4 ? before !== after : before === after;
    }
  }
}

function charge(steps: RegexSteps, n: number): void {
  steps.used += n;
  if (steps.used > steps.limit) throw new RegexStepLimitError("regex: step limit exceeded");
}

/** True when `p` matches anywhere in `s` at or after `start`. */
export function vmTest(p: Program, s: string, start: number, steps: RegexSteps): boolean {
  const sc = scratchOf(p);
  const { op, x, y, matchers } = p;
  let cur = new Int32Array(op.length);
  let next = new Int32Array(op.length);
  let curLen = 0;
  let nextLen = 0;
  let work = 0;
  let gen = nextGen(sc);
  const { mark, stack } = sc;

  /** Adds the closure of `pc` at `pos` to `list`; true when it reaches MATCH. */
  const add = (list: Int32Array, len: number, pc0: number, pos: number): number => {
    let sp = 0;
    stack[sp++] = pc0;
    while (sp > 0) {
      const pc = stack[--sp] as number;
      if (mark[pc] === gen) continue;
      mark[pc] = gen;
      work++;
      switch (op[pc]) {
        case OP_CHAR:
          list[len++] = pc;
          break;
        case OP_MATCH:
          return -1;
        case OP_JMP:
          stack[sp++] = x[pc] as number;
          break;
        case OP_SPLIT:
          stack[sp++] = y[pc] as number;
          stack[sp++] = x[pc] as number;
          break;
        case OP_SAVE:
          stack[sp++] = pc + 1;
          break;
        case OP_ASSERT:
          if (assertHolds(x[pc] as number, s, pos)) stack[sp++] = pc + 1;
          break;
      }
    }
    return len;
  };

  for (let pos = start; ; ) {
    if (!p.anchoredStart || pos === 0) {
      curLen = add(cur, curLen, 0, pos);
      if (curLen < 0) return finish(steps, work, true);
    }
    if (pos >= s.length || (curLen === 0 && p.anchoredStart)) return finish(steps, work, false);
    const cp = s.codePointAt(pos) as number;
    const w = cp > 0xffff ? 2 : 1;
    gen = nextGen(sc);
    nextLen = 0;
    for (let i = 0; i < curLen; i++) {
      const pc = cur[i] as number;
      work++;
      if ((matchers[x[pc] as number] as { test(c: number): boolean }).test(cp)) {
        nextLen = add(next, nextLen, pc + 1, pos + w);
        if (nextLen < 0) return finish(steps, work, true);
      }
    }
    const t = cur;
    cur = next;
    next = t;
    curLen = nextLen;
    pos += w;
    if (work > 4096) {
      charge(steps, work);
      work = 0;
    }
  }
}

function finish<T>(steps: RegexSteps, work: number, v: T): T {
  charge(steps, work);
  return v;
}

/**
 * The leftmost-first match at or after `start`, as capture slots (UTF-16 offsets; -1 for a group that did not
 * take part), or null.
 */
export function vmExec(p: Program, s: string, start: number, steps: RegexSteps): Int32Array | null {
  const sc = scratchOf(p);
  const { op, x, y, matchers, slots } = p;
  const n = op.length;
  // Thread lists: pcs, and each thread's capture slots in one flat buffer (thread i at i * slots).
  let curPc = new Int32Array(n);
  let curCaps = new Int32Array(n * slots);
  let nextPc = new Int32Array(n);
  let nextCaps = new Int32Array(n * slots);
  let curLen = 0;
  let nextLen = 0;
  let work = 0;
  let gen = nextGen(sc);
  const { mark, stack } = sc;
  const caps = new Int32Array(slots).fill(-1);
  let matched: Int32Array | null = null;

  /** Adds the closure of `pc` at `pos` to the list in priority order; CHAR and MATCH threads keep a copy of caps. */
  const add = (listPc: Int32Array, listCaps: Int32Array, len: number, pc0: number, pos: number): number => {
    let sp = 0;
    stack[sp++] = pc0;
    stack[sp++] = -1;
    while (sp > 0) {
      const value = stack[--sp] as number;
      const pc = stack[--sp] as number;
      if (pc < 0) {
        caps[-pc - 1] = value; // restore a capture slot after the subtree that set it
        continue;
      }
      if (mark[pc] === gen) continue;
      mark[pc] = gen;
      work++;
      switch (op[pc]) {
        case OP_CHAR:
        case OP_MATCH:
          listPc[len] = pc;
          for (let j = 0, o = len * slots; j < slots; j++) listCaps[o + j] = caps[j] as number;
          len++;
          break;
        case OP_JMP:
          stack[sp++] = x[pc] as number;
          stack[sp++] = -1;
          break;
        case OP_SPLIT:
          stack[sp++] = y[pc] as number;
          stack[sp++] = -1;
          stack[sp++] = x[pc] as number;
          stack[sp++] = -1;
          break;
        case OP_SAVE: {
          const slot = x[pc] as number;
          stack[sp++] = -slot - 1;
          stack[sp++] = caps[slot] as number;
          caps[slot] = pos;
          stack[sp++] = pc + 1;
          stack[sp++] = -1;
          break;
        }
        case OP_ASSERT:
          if (assertHolds(x[pc] as number, s, pos)) {
            stack[sp++] = pc + 1;
            stack[sp++] = -1;
          }
          break;
      }
    }
    return len;
  };

  for (let pos = start; ; ) {
    if (curLen === 0 && (matched !== null || (p.anchoredStart && pos > 0))) break;
    if (matched === null && (!p.anchoredStart || pos === 0)) {
      caps.fill(-1);
      curLen = add(curPc, curCaps, curLen, 0, pos);
    }
    const cp = pos < s.length ? (s.codePointAt(pos) as number) : -1;
    const w = cp > 0xffff ? 2 : 1;
    gen = nextGen(sc);
    nextLen = 0;
    for (let i = 0; i < curLen; i++) {
      const pc = curPc[i] as number;
      work++;
      if (op[pc] === OP_MATCH) {
        matched = curCaps.slice(i * slots, (i + 1) * slots);
        break; // leftmost-first: every thread after this one has lower priority
      }
      if (cp >= 0 && (matchers[x[pc] as number] as { test(c: number): boolean }).test(cp)) {
        for (let j = 0, o = i * slots; j < slots; j++) caps[j] = curCaps[o + j] as number;
        nextLen = add(nextPc, nextCaps, nextLen, pc + 1, pos + w);
      }
    }
    if (pos >= s.length) break;
    [curPc, nextPc] = [nextPc, curPc];
    [curCaps, nextCaps] = [nextCaps, curCaps];
    curLen = nextLen;
    pos += w;
    if (work > 4096) {
      charge(steps, work);
      work = 0;
    }
  }
  charge(steps, work);
  return matched;
}
