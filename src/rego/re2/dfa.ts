// A lazy DFA for yes/no searches (regex.match): the states are sets of NFA threads, built on first use and cached
// per program with their transitions, so a search costs one table lookup per input character once warm — still
// linear, now without interpreting the NFA each time. Programs with line or word assertions (which depend on the
// characters around a position) are left to the Pike VM, as is an empty input.
//
// A thread waiting on `$`/`\z` is kept in the state and only succeeds when the input ends there.

import { OP_ASSERT, OP_CHAR, OP_JMP, OP_MATCH, OP_SAVE, OP_SPLIT, type Program } from "./compile.ts";
import { RegexStepLimitError, type RegexSteps } from "./vm.ts";

const ASSERT_BEGIN_TEXT = 0;
const ASSERT_END_TEXT = 1;
/** States per program (512 B of transitions each); a pattern that needs more is searched by the Pike VM. */
const MAX_STATES = 256;
const MAX_WIDE_TRANSITIONS = 256;

interface State {
  /** CHAR instructions waiting for the next character. */
  readonly chars: Int32Array;
  /** ASSERT(end-text) instructions: they succeed only at the end of the input. */
  readonly enders: Int32Array;
  /** MATCH was reached: the search has succeeded. */
  readonly accepting: boolean;
  /** Whether the input may end here (computed on first need). */
  endAccepts: boolean | undefined;
  readonly wide: Map<number, number>;
}

interface Dfa {
  readonly states: State[];
  readonly byKey: Map<string, number>;
  /** Next state per (state, ASCII character) at state * 128 + c; -1 until computed. */
  ascii: Int32Array;
  /** Per state: 1 when accepting, 2 when dead (anchored and no thread left), else 0. */
  flags: Uint8Array;
  /** The state before the first character; -1 until computed. */
  start: number;
}

const dfas = new WeakMap<Program, Dfa | null>();

/** The DFA of `p`, or null when `p` needs the Pike VM (line or word assertions). */
function dfaOf(p: Program): Dfa | null {
  let d = dfas.get(p);
  if (d === undefined) {
    const usable = p.op.every((op, pc) => op !== OP_ASSERT || (p.x[pc] as number) <= ASSERT_END_TEXT);
    d = usable
      ? {
          states: [],
          byKey: new Map(),
          ascii: new Int32Array(16 * 128).fill(-1),
          flags: new Uint8Array(16),
          start: -1,
        }
      : null;
    dfas.set(p, d);
  }
  return d;
}

/** true / false for a search from position 0, or undefined when the DFA cannot answer (use the Pike VM). */
export function dfaTest(p: Program, s: string, steps: RegexSteps): boolean | undefined {
  if (s.length === 0) return undefined;
  const d = dfaOf(p);
  if (d === null) return undefined;
  let work = s.length;
  if (d.start < 0) {
    const r = stateFor(p, d, [0], true);
    if (r === undefined) return undefined;
    d.start = r.id;
    work += r.work;
  }
  let st = d.start;
  for (let pos = 0; pos < s.length; ) {
    const f = d.flags[st] as number;
    if (f !== 0) return done(steps, work, f === 1);
    const c = s.charCodeAt(pos);
    if (c < 128) {
      const next = d.ascii[st * 128 + c] as number;
      if (next >= 0) {
        st = next;
        pos++;
        continue;
      }
    }
    // Not cached yet, or not ASCII: step the state's threads over the code point.
    const cp = s.codePointAt(pos) as number;
    pos += cp > 0xffff ? 2 : 1;
    const cur = d.states[st] as State;
    let next = cp < 128 ? -1 : (cur.wide.get(cp) ?? -1);
    if (next < 0) {
      const seeds: number[] = [];
      for (const pc of cur.chars) {
        work++;
        if ((p.matchers[p.x[pc] as number] as { test(c: number): boolean }).test(cp)) seeds.push(pc + 1);
      }
      if (!p.anchoredStart) seeds.push(0);
      const r = stateFor(p, d, seeds, false);
      if (r === undefined) return undefined;
      next = r.id;
      work += r.work;
      if (cp < 128) d.ascii[st * 128 + cp] = next;
      else if (cur.wide.size < MAX_WIDE_TRANSITIONS) cur.wide.set(cp, next);
    }
    st = next;
    if (work > 4096) {
      charge(steps, work);
      work = 0;
    }
  }
  const last = d.states[st] as State;
  if (last.accepting) return done(steps, work, true);
  if (last.endAccepts === undefined) {
    const r = closure(
      p,
      Array.from(last.enders, (pc) => pc + 1),
      false,
      true,
    );
    last.endAccepts = r.accepting;
    work += r.work;
  }
  return done(steps, work, last.endAccepts);
}

function done(steps: RegexSteps, work: number, v: boolean): boolean {
  charge(steps, work);
  return v;
}

function charge(steps: RegexSteps, n: number): void {
  steps.used += n;
  if (steps.used > steps.limit) throw new RegexStepLimitError("regex: step limit exceeded");
}

/** The state for the closure of `seeds`, created if new; undefined when the cache is full. */
function stateFor(
  p: Program,
  d: Dfa,
  seeds: readonly number[],
  atBegin: boolean,
): { id: number; work: number } | undefined {
  const c = closure(p, seeds, atBegin, false);
  const key = `${c.accepting ? "!" : ""}${c.chars.join(",")}|${c.enders.join(",")}`;
  const known = d.byKey.get(key);
  if (known !== undefined) return { id: known, work: c.work };
  if (d.states.length >= MAX_STATES) return undefined;
  const id = d.states.length;
  d.states.push({
    chars: Int32Array.from(c.chars),
    enders: Int32Array.from(c.enders),
    accepting: c.accepting,
    endAccepts: undefined,
    wide: new Map(),
  });
  if (id >= d.flags.length) {
    const flags = new Uint8Array(2 * d.flags.length);
    flags.set(d.flags);
    d.flags = flags;
    const ascii = new Int32Array(2 * d.ascii.length).fill(-1);
    ascii.set(d.ascii);
    d.ascii = ascii;
  }
  d.flags[id] = c.accepting ? 1 : p.anchoredStart && c.chars.length === 0 ? 2 : 0;
  d.byKey.set(key, id);
  return { id, work: c.work };
}

/** Follows empty transitions from `seeds`; the CHAR and end-waiting threads reached (sorted), and whether MATCH was. */
function closure(
  p: Program,
  seeds: readonly number[],
  atBegin: boolean,
  atEnd: boolean,
): { chars: number[]; enders: number[]; accepting: boolean; work: number } {
  const seen = new Set<number>();
  const chars: number[] = [];
  const enders: number[] = [];
  const stack = [...seeds];
  let accepting = false;
  let work = 0;
  while (stack.length > 0) {
    const pc = stack.pop() as number;
    if (seen.has(pc)) continue;
    seen.add(pc);
    work++;
    switch (p.op[pc]) {
      case OP_CHAR:
        chars.push(pc);
        break;
      case OP_MATCH:
        accepting = true;
        break;
      case OP_JMP:
        stack.push(p.x[pc] as number);
        break;
      case OP_SPLIT:
        stack.push(p.y[pc] as number, p.x[pc] as number);
        break;
      case OP_SAVE:
        stack.push(pc + 1);
        break;
      case OP_ASSERT: {
        const kind = p.x[pc] as number;
        if (kind === ASSERT_BEGIN_TEXT ? atBegin : atEnd) stack.push(pc + 1);
        else if (kind === ASSERT_END_TEXT) enders.push(pc);
        break;
      }
    }
  }
  chars.sort((a, b) => a - b);
  enders.sort((a, b) => a - b);
  return { chars, enders, accepting, work };
}
