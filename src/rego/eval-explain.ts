// Explain details for a failing expression: what it does and the values of its operands at that moment.

import type { Evaluator, Frame } from "./eval.ts";
import type { IRExpr, IRTerm } from "./ir.ts";
import type { ExplainFailure } from "./trace.ts";
import type { RegoValue } from "./value.ts";
import { toJson } from "./value-json.ts";

type Details = Omit<ExplainFailure, "location" | "text">;

/** Evaluates each operand on its own (first value, undefined if none) without printing or tracing. */
function operandValues(ev: Evaluator, terms: readonly IRTerm[], f: Frame): unknown[] {
  const saved = ev.quiet;
  ev.quiet = true;
  try {
    return terms.map((t) => {
      try {
        const v = ev.firstValue(t, f);
        return v === undefined ? undefined : toJson(v);
      } catch {
        return undefined;
      }
    });
  } finally {
    ev.quiet = saved;
  }
}

function describeTerm(ev: Evaluator, t: IRTerm, f: Frame): Details {
  if (t.t === "call") {
    const base = { operation: t.name, values: operandValues(ev, t.args, f) };
    return t.op === undefined ? base : { ...base, operator: t.op };
  }
  return { operation: "value", values: operandValues(ev, [t], f) };
}

export function explainFailure(ev: Evaluator, e: IRExpr, f: Frame): Details {
  switch (e.e) {
    case "term":
      return describeTerm(ev, e.term, f);
    case "unify":
      return { operation: "unify", operator: "=", values: operandValues(ev, [e.a, e.b], f) };
    case "not": {
      const inner = e.body.length === 1 ? e.body[0] : undefined;
      const values =
        inner?.e === "term" && inner.term.t === "call" ? operandValues(ev, inner.term.args, f) : [];
      return { operation: "not", values };
    }
    case "somein":
      return { operation: "some", values: operandValues(ev, [e.coll], f) };
    case "every": {
      const failed = ev.lastEveryFailure;
      ev.lastEveryFailure = undefined;
      const values =
        failed === undefined ? operandValues(ev, [e.coll], f) : failed.map((v: RegoValue) => toJson(v));
      return { operation: "every", values };
    }
  }
}
