// Regex syntax tree → a Thompson NFA program for the Pike VM (vm.ts): CHAR, SPLIT (first branch preferred), JMP,
// SAVE (capture position), ASSERT (empty-width) and MATCH. Counted repetitions are expanded, so the program size
// is capped: a pattern whose program would exceed it is refused, as RE2 refuses one.

import { type CharMatcher, charMatcher } from "./char-class.ts";
import { type AssertKind, type Node, type ParsedRegex, RegexSyntaxError } from "./parse.ts";

export const OP_CHAR = 0;
export const OP_SPLIT = 1;
export const OP_JMP = 2;
export const OP_SAVE = 3;
export const OP_ASSERT = 4;
export const OP_MATCH = 5;

export const ASSERT_CODES: Record<AssertKind, number> = {
  "begin-text": 0,
  "end-text": 1,
  "begin-line": 2,
  "end-line": 3,
  word: 4,
  "not-word": 5,
};

/**
 * Most instructions a program may have (RE2 caps its programs similarly): with up to 512 programs cached, each with
 * its VM scratch and DFA, this bounds the memory patterns can claim.
 */
export const MAX_PROGRAM = 5_000;

export interface Program {
  readonly op: Uint8Array;
  /** CHAR: matcher index; SPLIT: preferred target; JMP: target; SAVE: slot; ASSERT: kind. */
  readonly x: Int32Array;
  /** SPLIT: the other target. */
  readonly y: Int32Array;
  readonly matchers: readonly CharMatcher[];
  /** Capture slots: 2 per group, group 0 (the whole match) included. */
  readonly slots: number;
  readonly names: readonly (string | undefined)[];
  /** Every match starts at position 0 (`^` / `\A` first on every path, no multi-line): no later start is tried. */
  readonly anchoredStart: boolean;
}

export function compileProgram(parsed: ParsedRegex): Program {
  const b = new Builder(parsed.caseInsensitive);
  b.emit(OP_SAVE, 0);
  b.node(parsed.node);
  b.emit(OP_SAVE, 1);
  b.emit(OP_MATCH);
  return {
    op: Uint8Array.from(b.op),
    x: Int32Array.from(b.x),
    y: Int32Array.from(b.y),
    matchers: b.matchers,
    slots: 2 * (parsed.names.length + 1),
    names: parsed.names,
    anchoredStart: startsAnchored(parsed.node),
  };
}

function startsAnchored(n: Node): boolean {
  switch (n.k) {
    case "assert":
      return n.a === "begin-text";
    case "cat":
      return n.items.length > 0 && startsAnchored(n.items[0] as Node);
    case "alt":
      return n.items.every(startsAnchored);
    case "group":
      return startsAnchored(n.node);
    case "repeat":
      return n.min > 0 && startsAnchored(n.node);
    default:
      return false;
  }
}

class Builder {
  readonly op: number[] = [];
  readonly x: number[] = [];
  readonly y: number[] = [];
  readonly matchers: CharMatcher[] = [];
  private readonly byClass = new Map<string, number>();

  constructor(private readonly caseInsensitive: boolean) {}

  emit(op: number, x = 0, y = 0): number {
    if (this.op.length >= MAX_PROGRAM) throw new RegexSyntaxError("expression too large");
    this.op.push(op);
    this.x.push(x);
    this.y.push(y);
    return this.op.length - 1;
  }

  private matcher(cls: string | undefined): number {
    const key = cls ?? "";
    let i = this.byClass.get(key);
    if (i === undefined) {
      i = this.matchers.length;
      this.matchers.push(charMatcher(cls, this.caseInsensitive));
      this.byClass.set(key, i);
    }
    return i;
  }

  node(n: Node): void {
    switch (n.k) {
      case "char":
        this.emit(OP_CHAR, this.matcher(n.cls));
        return;
      case "any":
        this.emit(OP_CHAR, this.matcher(undefined));
        return;
      case "empty":
        return;
      case "assert":
        this.emit(OP_ASSERT, ASSERT_CODES[n.a]);
        return;
      case "cat":
        for (const it of n.items) this.node(it);
        return;
      case "group":
        this.emit(OP_SAVE, 2 * n.index);
        this.node(n.node);
        this.emit(OP_SAVE, 2 * n.index + 1);
        return;
      case "alt":
        this.alternation(n.items);
        return;
      case "repeat":
        this.repeat(n.node, n.min, n.max, n.greedy);
        return;
    }
  }

  /** a|b|c → SPLIT L1, L2; L1: a; JMP end; L2: SPLIT … (earlier alternatives preferred). */
  private alternation(items: readonly Node[]): void {
    const jumps: number[] = [];
    for (let i = 0; i < items.length; i++) {
      if (i === items.length - 1) {
        this.node(items[i] as Node);
        break;
      }
      const split = this.emit(OP_SPLIT);
      this.x[split] = this.op.length;
      this.node(items[i] as Node);
      jumps.push(this.emit(OP_JMP));
      this.y[split] = this.op.length;
    }
    for (const j of jumps) this.x[j] = this.op.length;
  }

  private repeat(n: Node, min: number, max: number, greedy: boolean): void {
    for (let i = 0; i < min; i++) this.node(n);
    if (max === Infinity) {
      // L: SPLIT body, end; body; JMP L
      const split = this.emit(OP_SPLIT);
      this.node(n);
      this.emit(OP_JMP, split);
      this.branch(split, split + 1, this.op.length, greedy);
      return;
    }
    // (n(n(n)?)?)? for the optional copies: each SPLIT skips to the common end.
    const splits: number[] = [];
    for (let i = min; i < max; i++) {
      splits.push(this.emit(OP_SPLIT));
      this.node(n);
    }
    for (const s of splits) this.branch(s, s + 1, this.op.length, greedy);
  }

  private branch(split: number, body: number, skip: number, greedy: boolean): void {
    this.x[split] = greedy ? body : skip;
    this.y[split] = greedy ? skip : body;
  }
}
