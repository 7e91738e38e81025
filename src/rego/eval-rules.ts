// Rule evaluation: complete rules, partial sets and objects, functions, else chains, defaults, conflicts.

import { compileError, evalError, type SourceLocation } from "./errors.ts";
import type { Evaluator, Frame, K } from "./eval.ts";
import type { IRExpr, IRTerm, RuleDef, RuleSet } from "./ir.ts";
import { equalValues, hasKey, newObject, RegoSet, type RegoValue } from "./value.ts";

/** Value of a rule without arguments, cached for the rest of the query; undefined if no body succeeds. */
export function evalRuleValue(ev: Evaluator, rs: RuleSet): RegoValue | undefined {
  const cached = ev.cache.get(rs);
  if (cached !== undefined) return cached === null ? undefined : cached;
  if (ev.active.has(rs)) throw compileError("rego_recursion", rs.loc, `rule ${rs.name} depends on itself`);
  ev.active.add(rs);
  let v: RegoValue | undefined;
  try {
    if (rs.kind === "set") v = evalPartialSet(ev, rs);
    else if (rs.kind === "object") v = evalPartialObject(ev, rs);
    else v = evalComplete(ev, rs, []);
  } finally {
    ev.active.delete(rs);
  }
  ev.cache.set(rs, v === undefined ? null : v);
  return v;
}

/** Calls a user function: every definition is tried; different results for one call are a conflict. */
export function callFunction(
  ev: Evaluator,
  rs: RuleSet,
  args: readonly RegoValue[],
  loc: SourceLocation,
): RegoValue | undefined {
  if (ev.active.has(rs)) throw compileError("rego_recursion", loc, `function ${rs.name} calls itself`);
  ev.active.add(rs);
  try {
    return evalComplete(ev, rs, args);
  } finally {
    ev.active.delete(rs);
  }
}

function evalComplete(ev: Evaluator, rs: RuleSet, args: readonly RegoValue[]): RegoValue | undefined {
  let result: RegoValue | undefined;
  const onValue = (v: RegoValue): boolean => {
    if (result === undefined) result = v;
    else if (!equalValues(result, v)) {
      const what = rs.kind === "function" ? "function" : "complete rule";
      throw evalError("rego_conflict", rs.loc, `${what} ${rs.name} produced conflicting values`);
    }
    return rs.constantValue;
  };
  for (const def of rs.defs) {
    if (evalDefinition(ev, rs, def, args, onValue)) break;
  }
  return result === undefined ? rs.defaultValue : result;
}

function evalPartialSet(ev: Evaluator, rs: RuleSet): RegoValue {
  const out = new RegoSet();
  for (const def of rs.defs) {
    const f: Frame = new Array(def.nslots);
    runBody(ev, rs, def.body, def.loc, "body", f, () =>
      ev.evalTerm(def.key as IRTerm, f, (v) => {
        out.add(v);
        return false;
      }),
    );
  }
  return out;
}

function evalPartialObject(ev: Evaluator, rs: RuleSet): RegoValue {
  const out = newObject();
  for (const def of rs.defs) {
    const f: Frame = new Array(def.nslots);
    runBody(ev, rs, def.body, def.loc, "body", f, () =>
      ev.evalTerm(def.key as IRTerm, f, (key) =>
        ev.evalTerm(def.value, f, (v) => {
          if (typeof key !== "string") return false;
          if (hasKey(out, key) && !equalValues(out[key] as RegoValue, v)) {
            throw evalError(
              "rego_conflict",
              rs.loc,
              `object rule ${rs.name} produced conflicting values for key ${JSON.stringify(key)}`,
            );
          }
          out[key] = v;
          return false;
        }),
      ),
    );
  }
  return out;
}

/**
 * One definition with its else chain: the first branch whose body succeeds gives the values.
 * Returns true when the caller may stop (constant-valued rule already decided).
 */
function evalDefinition(
  ev: Evaluator,
  rs: RuleSet,
  def: RuleDef,
  args: readonly RegoValue[],
  onValue: (v: RegoValue) => boolean,
): boolean {
  const f: Frame = new Array(def.nslots);
  const run = (): boolean => {
    let found = false;
    const emit = (v: RegoValue): boolean => {
      found = true;
      return onValue(v);
    };
    let stop = runBody(ev, rs, def.body, def.loc, "body", f, () => ev.evalTerm(def.value, f, emit));
    for (let e = def.else; !found && !stop && e !== undefined; e = e.else) {
      const branch = e;
      stop = runBody(ev, rs, branch.body, branch.loc, "else", f, () => ev.evalTerm(branch.value, f, emit));
    }
    return stop;
  };
  if (def.params === undefined) return run();
  return matchParams(ev, def.params, args, 0, f, run);
}

function matchParams(
  ev: Evaluator,
  ps: readonly IRTerm[],
  args: readonly RegoValue[],
  i: number,
  f: Frame,
  k: K,
): boolean {
  if (i === ps.length) return k();
  return ev.match(ps[i] as IRTerm, args[i] as RegoValue, f, () => matchParams(ev, ps, args, i + 1, f, k));
}

/** Evaluates a rule body, recording it in the explain trace when one is being collected. */
function runBody(
  ev: Evaluator,
  rs: RuleSet,
  body: readonly IRExpr[],
  loc: SourceLocation,
  branch: "body" | "else",
  f: Frame,
  k: K,
): boolean {
  const tracer = ev.s.tracer;
  const entry = tracer === undefined || ev.quiet ? undefined : tracer.begin(rs.path.join("."), loc, branch);
  if (tracer === undefined || entry === undefined) return ev.evalBody(body, 0, f, k);
  tracer.depth++;
  try {
    return ev.evalBodyTraced(
      body,
      0,
      f,
      () => {
        entry.succeeded = true;
        return k();
      },
      entry,
    );
  } finally {
    tracer.depth--;
  }
}
