// Evaluator core: backtracking over terms, refs and body expressions in continuation-passing style.
//
// A continuation returns true to stop the enumeration (first result is enough). Bindings live in a
// per-definition frame and are undone as soon as the continuation returns, so backtracking needs no trail.

import { isContrastError } from "../common/errors.ts";
import type { BuiltinContext } from "./builtins/args.ts";
import { PRINT_BUILTIN } from "./builtins/registry.ts";
import { compileError, evalError, type SourceLocation } from "./errors.ts";
import { explainFailure } from "./eval-explain.ts";
import { callFunction, evalRuleValue } from "./eval-rules.ts";
import { VirtualNode, walkVirtual } from "./eval-virtual.ts";
import type { IRCall, IRComprehension, IRExpr, IRTerm, PackageNode, RuleSet } from "./ir.ts";
import type { ExplainEntry, Tracer } from "./trace.ts";
import { equalValues, hasKey, isObject, newObject, RegoSet, type RegoValue, sortedKeys } from "./value.ts";
import { formatValueRaw } from "./value-json.ts";

export type Frame = (RegoValue | undefined)[];

/** singleValue: the term may have several values (or binds variables) and is enumerated the general way. */
const MANY: unique symbol = Symbol("many");
export type K = () => boolean;
export type KV = (v: RegoValue) => boolean;

export interface EvalSettings {
  readonly root: PackageNode;
  readonly data: RegoValue;
  readonly input: RegoValue | undefined;
  readonly stepLimit: number;
  readonly tracer: Tracer | undefined;
}

export class Evaluator implements BuiltinContext {
  steps = 0;
  /** The builtin call being evaluated, for a step-limit error raised inside it. */
  private callLoc: SourceLocation | undefined;
  readonly prints: string[] = [];
  readonly cache = new Map<RuleSet, RegoValue | null>();
  readonly active = new Set<RuleSet>();
  /** Set while re-evaluating operands for an explanation: no prints, no trace entries. */
  quiet = false;
  /** Key and value of the element that failed the last `every` (explain mode only). */
  lastEveryFailure: [RegoValue, RegoValue] | undefined;

  constructor(readonly s: EvalSettings) {}

  step(loc: SourceLocation): void {
    if (++this.steps > this.s.stepLimit) {
      throw evalError("rego_step_limit", loc, `evaluation exceeded the step limit of ${this.s.stepLimit}`);
    }
  }

  /** BuiltinContext: builtin work (regex matching) counts as steps, reported at the call being evaluated. */
  stepsLeft(): number {
    return Math.max(0, this.s.stepLimit - this.steps);
  }

  charge(n: number): void {
    this.steps += n;
    if (this.steps > this.s.stepLimit) {
      const loc = this.callLoc ?? { file: "<builtin>", line: 0, col: 0, start: 0, end: 0 };
      throw evalError("rego_step_limit", loc, `evaluation exceeded the step limit of ${this.s.stepLimit}`);
    }
  }

  evalBody(body: readonly IRExpr[], i: number, f: Frame, k: K): boolean {
    if (i === body.length) return k();
    const e = body[i] as IRExpr;
    this.step(e.loc);
    return this.evalExpr(e, f, () => this.evalBody(body, i + 1, f, k));
  }

  /** Like evalBody, recording how far the body got (explain mode, rule bodies only). */
  evalBodyTraced(body: readonly IRExpr[], i: number, f: Frame, k: K, entry: ExplainEntry): boolean {
    if (i === body.length) return k();
    const e = body[i] as IRExpr;
    this.step(e.loc);
    entry.reached = Math.max(entry.reached, i);
    let produced = false;
    const r = this.evalExpr(e, f, () => {
      produced = true;
      return this.evalBodyTraced(body, i + 1, f, k, entry);
    });
    if (!produced && !this.quiet && this.s.tracer !== undefined) {
      this.s.tracer.fail(entry, i, e.loc, explainFailure(this, e, f));
    }
    return r;
  }

  /** True if the body has at least one solution (stops at the first). */
  succeeds(body: readonly IRExpr[], f: Frame): boolean {
    let found = false;
    this.evalBody(body, 0, f, () => {
      found = true;
      return true;
    });
    return found;
  }

  evalExpr(e: IRExpr, f: Frame, next: K): boolean {
    switch (e.e) {
      case "term":
        return this.evalTerm(e.term, f, (v) => v !== false && next());
      case "unify":
        if (e.mode === "compare") {
          const va = this.singleValue(e.a, f);
          if (va === undefined) return false;
          const vb = va === MANY ? MANY : this.singleValue(e.b, f);
          if (va !== MANY && vb !== MANY) return vb !== undefined && equalValues(va, vb) && next();
          return this.evalTerm(e.a, f, (va) => this.evalTerm(e.b, f, (vb) => equalValues(va, vb) && next()));
        }
        if (e.mode === "bind-left") return this.evalTerm(e.b, f, (vb) => this.match(e.a, vb, f, next));
        return this.evalTerm(e.a, f, (va) => this.match(e.b, va, f, next));
      case "not":
        return this.succeeds(e.body, f) ? false : next();
      case "somein":
        return this.evalTerm(e.coll, f, (c) =>
          this.iterate(c, e.loc, (key, val) =>
            e.key === undefined
              ? this.match(e.value, val, f, next)
              : this.match(e.key, key, f, () => this.match(e.value, val, f, next)),
          ),
        );
      case "every": {
        // An undefined or non-collection domain has no elements, so every holds (OPA, regorus).
        let defined = false;
        const r = this.evalTerm(e.coll, f, (c) => {
          defined = true;
          return this.everyHolds(e, c, f) && next();
        });
        return defined ? r : next();
      }
    }
  }

  private everyHolds(e: Extract<IRExpr, { e: "every" }>, c: RegoValue, f: Frame): boolean {
    let ok = true;
    const holds = (): boolean => this.succeeds(e.body, f);
    this.iterate(c, e.loc, (key, val) => {
      const r =
        e.key === undefined
          ? this.match(e.value, val, f, holds)
          : this.match(e.key, key, f, () => this.match(e.value, val, f, holds));
      if (r) return false;
      ok = false;
      if (this.s.tracer !== undefined) this.lastEveryFailure = [key, val];
      return true;
    });
    return ok;
  }

  /** Calls fn(key, value) for each element: array index, sorted object key, or set element (key = value). */
  iterate(c: RegoValue, loc: SourceLocation, fn: (key: RegoValue, val: RegoValue) => boolean): boolean {
    if (Array.isArray(c)) {
      for (let i = 0; i < c.length; i++) {
        this.step(loc);
        if (fn(i, c[i] as RegoValue)) return true;
      }
    } else if (c instanceof RegoSet) {
      for (const v of c.values()) {
        this.step(loc);
        if (fn(v, v)) return true;
      }
    } else if (isObject(c)) {
      for (const key of sortedKeys(c)) {
        this.step(loc);
        if (fn(key, c[key] as RegoValue)) return true;
      }
    }
    return false;
  }

  /** Matches a pattern term against a value, binding its unbound variables. */
  match(p: IRTerm, value: RegoValue, f: Frame, k: K): boolean {
    switch (p.t) {
      case "local": {
        const cur = f[p.slot];
        if (cur !== undefined) return equalValues(cur, value) && k();
        f[p.slot] = value;
        const r = k();
        f[p.slot] = undefined;
        return r;
      }
      case "const":
        return equalValues(p.v, value) && k();
      case "array":
        return (
          Array.isArray(value) && value.length === p.items.length && this.matchItems(p.items, value, 0, f, k)
        );
      case "object":
        if (!isObject(value) || Object.keys(value).length !== p.keys.length) return false;
        return this.evalList(p.keys, 0, [], f, (keys) => {
          const vals: RegoValue[] = [];
          for (const key of keys) {
            if (typeof key !== "string" || !hasKey(value, key)) return false;
            vals.push(value[key] as RegoValue);
          }
          return this.matchItems(p.values, vals, 0, f, k);
        });
      default:
        return this.evalTerm(p, f, (v) => equalValues(v, value) && k());
    }
  }

  private matchItems(ps: readonly IRTerm[], vs: readonly RegoValue[], i: number, f: Frame, k: K): boolean {
    if (i === ps.length) return k();
    return this.match(ps[i] as IRTerm, vs[i] as RegoValue, f, () => this.matchItems(ps, vs, i + 1, f, k));
  }

  evalTerm(t: IRTerm, f: Frame, k: KV): boolean {
    switch (t.t) {
      case "const":
        return k(t.v);
      case "local": {
        const v = f[t.slot];
        if (v === undefined) throw compileError("rego_unsafe_var", t.loc, `var ${t.name} is unbound`);
        return k(v);
      }
      case "input":
        return this.s.input === undefined ? false : k(this.s.input);
      case "data":
        return walkVirtual(this, new VirtualNode(this.s.root, this.s.data), [], 0, f, k);
      case "rule": {
        const v = evalRuleValue(this, t.rs);
        return v === undefined ? false : k(v);
      }
      case "ref":
        if (t.head.t === "data")
          return walkVirtual(this, new VirtualNode(this.s.root, this.s.data), t.path, 0, f, k);
        return this.evalTerm(t.head, f, (v) => this.walk(v, t.path, 0, f, k));
      case "array":
        return this.evalList(t.items, 0, [], f, (vs) => k(vs));
      case "set":
        return this.evalList(t.items, 0, [], f, (vs) => k(new RegoSet(vs)));
      case "object":
        return this.evalList(t.keys, 0, [], f, (ks) =>
          this.evalList(t.values, 0, [], f, (vs) => {
            const o = newObject();
            for (let i = 0; i < ks.length; i++) {
              const key = ks[i];
              if (typeof key !== "string") return false;
              o[key] = vs[i] as RegoValue;
            }
            return k(o);
          }),
        );
      case "call":
        return this.evalCall(t, f, k);
      default:
        return k(this.evalComprehension(t, f));
    }
  }

  /** Evaluates terms left to right over all combinations of their values. */
  evalList(
    ts: readonly IRTerm[],
    i: number,
    acc: RegoValue[],
    f: Frame,
    k: (vs: RegoValue[]) => boolean,
  ): boolean {
    if (i === ts.length) return k(acc.slice());
    return this.evalTerm(ts[i] as IRTerm, f, (v) => {
      acc[i] = v;
      return this.evalList(ts, i + 1, acc, f, k);
    });
  }

  /** Follows a ref path from a value; an unbound variable in the path iterates and binds. */
  walk(cur: RegoValue, path: readonly IRTerm[], i: number, f: Frame, k: KV): boolean {
    if (i === path.length) return k(cur);
    const p = path[i] as IRTerm;
    if (p.t === "const") {
      const child = childOf(cur, p.v);
      return child !== undefined && this.walk(child, path, i + 1, f, k);
    }
    if (p.t === "local" && f[p.slot] === undefined) {
      return this.iterate(cur, p.loc, (key, val) => {
        f[p.slot] = key;
        const r = this.walk(val, path, i + 1, f, k);
        f[p.slot] = undefined;
        return r;
      });
    }
    return this.evalTerm(p, f, (key) => {
      const child = childOf(cur, key);
      return child !== undefined && this.walk(child, path, i + 1, f, k);
    });
  }

  private evalComprehension(t: IRComprehension, f: Frame): RegoValue {
    if (t.t === "arraycomp") {
      const out: RegoValue[] = [];
      this.evalBody(t.body, 0, f, () =>
        this.evalTerm(t.term, f, (v) => {
          out.push(v);
          return false;
        }),
      );
      return out;
    }
    if (t.t === "setcomp") {
      const out = new RegoSet();
      this.evalBody(t.body, 0, f, () =>
        this.evalTerm(t.term, f, (v) => {
          out.add(v);
          return false;
        }),
      );
      return out;
    }
    const out = newObject();
    const value = t.value as IRTerm;
    this.evalBody(t.body, 0, f, () =>
      this.evalTerm(t.term, f, (key) =>
        this.evalTerm(value, f, (v) => {
          if (typeof key !== "string") return false;
          if (hasKey(out, key) && !equalValues(out[key] as RegoValue, v)) {
            throw evalError(
              "rego_conflict",
              t.loc,
              `object comprehension produced conflicting values for key ${JSON.stringify(key)}`,
            );
          }
          out[key] = v;
          return false;
        }),
      ),
    );
    return out;
  }

  private evalCall(t: IRCall, f: Frame, k: KV): boolean {
    if (t.fn.kind === "builtin" && t.fn.b === PRINT_BUILTIN) return this.evalPrint(t, f) && k(true);
    const then = (args: RegoValue[]): boolean => {
      const v = this.applyCall(t, args);
      if (v === undefined) return false;
      if (t.out !== undefined) return this.match(t.out, v, f, () => k(true));
      return k(v);
    };
    // Most arguments have exactly one value (a constant, a bound variable, a constant path into one): read them
    // directly instead of enumerating them in continuation-passing style.
    const args: RegoValue[] = new Array(t.args.length);
    for (let i = 0; i < t.args.length; i++) {
      const v = this.singleValue(t.args[i] as IRTerm, f);
      if (v === MANY) return this.evalList(t.args, 0, [], f, then);
      if (v === undefined) return false;
      args[i] = v;
    }
    return then(args);
  }

  /** The value of a term that has at most one (undefined: none), or MANY when it must be enumerated. */
  singleValue(t: IRTerm, f: Frame): RegoValue | undefined | typeof MANY {
    switch (t.t) {
      case "const":
        return t.v;
      case "local":
        return f[t.slot] ?? MANY; // unbound: the general path reports or binds it
      case "input":
        return this.s.input;
      case "ref": {
        if (t.head.t !== "local" && t.head.t !== "input") return MANY;
        let cur = t.head.t === "input" ? this.s.input : f[t.head.slot];
        if (cur === undefined) return t.head.t === "input" ? undefined : MANY;
        for (const p of t.path) {
          if (p.t !== "const") return MANY;
          cur = childOf(cur, p.v);
          if (cur === undefined) return undefined;
        }
        return cur;
      }
      default:
        return MANY;
    }
  }

  applyCall(t: IRCall, args: RegoValue[]): RegoValue | undefined {
    if (t.fn.kind === "func") return callFunction(this, t.fn.rs, args, t.loc);
    try {
      this.callLoc = t.loc;
      return t.fn.b.fn(args, this);
    } catch (e) {
      // The step limit ends the evaluation; any other builtin error makes the expression undefined (non-strict
      // mode, the Kata agent's setting).
      if (isContrastError(e) && e.code === "rego_step_limit") throw e;
      return undefined;
    }
  }

  /** print never fails; an undefined argument prints as <undefined>. */
  private evalPrint(t: IRCall, f: Frame): boolean {
    if (this.quiet) return true;
    const parts = t.args.map((a) => {
      const v = this.firstValue(a, f);
      return v === undefined ? "<undefined>" : formatValueRaw(v);
    });
    this.prints.push(parts.join(" "));
    return true;
  }

  /** The first value of a term, or undefined. */
  firstValue(t: IRTerm, f: Frame): RegoValue | undefined {
    let out: RegoValue | undefined;
    this.evalTerm(t, f, (v) => {
      out = v;
      return true;
    });
    return out;
  }
}

/** One step of a ref: array index, object key, or set member. */
export function childOf(cur: RegoValue, key: RegoValue): RegoValue | undefined {
  if (Array.isArray(cur))
    return typeof key === "number" && Number.isInteger(key) && key >= 0 ? cur[key] : undefined;
  if (cur instanceof RegoSet) return cur.has(key) ? key : undefined;
  if (isObject(cur) && typeof key === "string" && hasKey(cur, key)) return cur[key];
  return undefined;
}
