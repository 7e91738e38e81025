// Safety check and reordering: every variable is bound before it is used, or the policy does not compile.
//
// Like OPA, a body's expressions are reordered so that each runs once the variables it needs are bound;
// an expression that can never run reports its first unsafe variable (`rego_unsafe_var`).

import type { FrameAlloc } from "./compile-scope.ts";
import { compileError } from "./errors.ts";
import type { IRComprehension, IRExpr, IRTerm, UnifyMode } from "./ir.ts";

interface Acc {
  readonly bound: ReadonlySet<number>;
  readonly outs: Set<number>;
  readonly unsafe: number[];
}

function newAcc(bound: ReadonlySet<number>): Acc {
  return { bound, outs: new Set(), unsafe: [] };
}

function isBound(acc: Acc, slot: number): boolean {
  return acc.bound.has(slot) || acc.outs.has(slot);
}

/** A term in value position: locals must be bound, except ref keys, which iterate and bind. */
function valueTerm(t: IRTerm, acc: Acc): void {
  switch (t.t) {
    case "local":
      if (!isBound(acc, t.slot)) acc.unsafe.push(t.slot);
      return;
    case "ref":
      valueTerm(t.head, acc);
      for (const p of t.path) {
        if (p.t === "local" && !isBound(acc, p.slot)) acc.outs.add(p.slot);
        else valueTerm(p, acc);
      }
      return;
    case "array":
    case "set":
      for (const x of t.items) valueTerm(x, acc);
      return;
    case "object":
      for (const x of t.keys) valueTerm(x, acc);
      for (const x of t.values) valueTerm(x, acc);
      return;
    case "arraycomp":
    case "setcomp":
    case "objectcomp":
      for (const s of t.closure) if (!isBound(acc, s)) acc.unsafe.push(s);
      return;
    case "call":
      for (const x of t.args) valueTerm(x, acc);
      if (t.out !== undefined) patternTerm(t.out, acc);
      return;
  }
}

/** A term matched against a value: unbound locals get bound. */
function patternTerm(t: IRTerm, acc: Acc): void {
  if (t.t === "local" && !isBound(acc, t.slot)) {
    acc.outs.add(t.slot);
  } else if (t.t === "array") {
    for (const x of t.items) patternTerm(x, acc);
  } else if (t.t === "object") {
    for (const x of t.keys) valueTerm(x, acc);
    for (const x of t.values) patternTerm(x, acc);
  } else {
    valueTerm(t, acc);
  }
}

interface Check {
  readonly ok: boolean;
  readonly outs: ReadonlySet<number>;
  readonly unsafe: readonly number[];
  readonly mode?: UnifyMode;
}

function result(acc: Acc, mode?: UnifyMode): Check {
  return mode === undefined
    ? { ok: acc.unsafe.length === 0, outs: acc.outs, unsafe: acc.unsafe }
    : { ok: acc.unsafe.length === 0, outs: acc.outs, unsafe: acc.unsafe, mode };
}

function checkUnify(a: IRTerm, b: IRTerm, bound: ReadonlySet<number>): Check {
  const both = newAcc(bound);
  valueTerm(a, both);
  valueTerm(b, both);
  if (both.unsafe.length === 0) return result(both, "compare");
  const left = newAcc(bound);
  valueTerm(b, left);
  patternTerm(a, left);
  if (left.unsafe.length === 0) return result(left, "bind-left");
  const right = newAcc(bound);
  valueTerm(a, right);
  patternTerm(b, right);
  if (right.unsafe.length === 0) return result(right, "bind-right");
  return result(left, "bind-left");
}

export class SafetyChecker {
  constructor(private readonly frame: FrameAlloc) {}

  private check(e: IRExpr, bound: ReadonlySet<number>): Check {
    const acc = newAcc(bound);
    switch (e.e) {
      case "term":
        valueTerm(e.term, acc);
        return result(acc);
      case "unify":
        return checkUnify(e.a, e.b, bound);
      case "not": {
        const inner = new Set(bound);
        const r = this.tryOrder(e.body, inner);
        if (!r.ok) return r;
        const named = [...inner].filter((s) => !bound.has(s) && !this.frame.wild[s]);
        return { ok: named.length === 0, outs: new Set(), unsafe: named };
      }
      case "somein":
        valueTerm(e.coll, acc);
        if (e.key !== undefined) patternTerm(e.key, acc);
        patternTerm(e.value, acc);
        return result(acc);
      case "every":
        valueTerm(e.coll, acc);
        for (const s of e.closure) if (!isBound(acc, s)) acc.unsafe.push(s);
        return { ok: acc.unsafe.length === 0, outs: new Set(), unsafe: acc.unsafe };
    }
  }

  /** Orders `body` in place; adds the variables it binds to `bound`. Throws rego_unsafe_var. */
  orderBody(body: IRExpr[], bound: Set<number>): void {
    const r = this.tryOrder(body, bound);
    if (!r.ok) this.reportUnsafe(r.unsafe);
  }

  private tryOrder(body: IRExpr[], bound: Set<number>): Check {
    const pending = [...body];
    body.length = 0;
    while (pending.length > 0) {
      let progress = false;
      for (let i = 0; i < pending.length; i++) {
        const e = pending[i] as IRExpr;
        const c = this.check(e, bound);
        if (!c.ok) continue;
        if (e.e === "unify" && c.mode !== undefined) e.mode = c.mode;
        this.orderNested(e, bound);
        for (const s of c.outs) bound.add(s);
        body.push(e);
        pending.splice(i, 1);
        progress = true;
        break;
      }
      if (!progress) {
        body.push(...pending);
        return this.check(pending[0] as IRExpr, bound);
      }
    }
    return { ok: true, outs: new Set(), unsafe: [] };
  }

  /** Orders comprehension and every bodies once their enclosing expression's position is fixed. */
  private orderNested(e: IRExpr, bound: ReadonlySet<number>): void {
    switch (e.e) {
      case "term":
        this.orderTerm(e.term, bound);
        return;
      case "unify":
        this.orderTerm(e.a, bound);
        this.orderTerm(e.b, bound);
        return;
      case "not":
        return;
      case "somein":
        this.orderTerm(e.coll, bound);
        return;
      case "every": {
        this.orderTerm(e.coll, bound);
        const inner = new Set(bound);
        const acc = newAcc(inner);
        if (e.key !== undefined) patternTerm(e.key, acc);
        patternTerm(e.value, acc);
        for (const s of acc.outs) inner.add(s);
        this.orderBody(e.body, inner);
        return;
      }
    }
  }

  private orderTerm(t: IRTerm, bound: ReadonlySet<number>): void {
    switch (t.t) {
      case "ref":
        this.orderTerm(t.head, bound);
        for (const p of t.path) this.orderTerm(p, bound);
        return;
      case "array":
      case "set":
        for (const x of t.items) this.orderTerm(x, bound);
        return;
      case "object":
        for (const x of [...t.keys, ...t.values]) this.orderTerm(x, bound);
        return;
      case "call":
        for (const x of t.args) this.orderTerm(x, bound);
        return;
      case "arraycomp":
      case "setcomp":
      case "objectcomp":
        this.orderComprehension(t, bound);
        return;
    }
  }

  private orderComprehension(t: IRComprehension, bound: ReadonlySet<number>): void {
    const inner = new Set(bound);
    this.orderBody(t.body, inner);
    this.requireSafe(t.term, inner);
    if (t.value !== undefined) this.requireSafe(t.value, inner);
  }

  /** Head terms: every variable must be bound by the body. */
  requireSafe(t: IRTerm, bound: ReadonlySet<number>): void {
    const acc = newAcc(bound);
    valueTerm(t, acc);
    const leaked = [...acc.outs].filter((s) => !this.frame.wild[s]);
    if (acc.unsafe.length > 0 || leaked.length > 0) this.reportUnsafe([...acc.unsafe, ...leaked]);
    this.orderTerm(t, bound);
  }

  private reportUnsafe(slots: readonly number[]): never {
    const slot = slots[0] ?? 0;
    const name = this.frame.names[slot] ?? "?";
    const loc = this.frame.locs[slot];
    if (loc === undefined) throw new Error("unsafe variable without location");
    throw compileError("rego_unsafe_var", loc, `var ${name} is unsafe`);
  }
}
