// `policy explain`: turns the evaluator's explain trace of a denied request into the failing rule chain and the request field that differs.
//
// The trace has one entry per rule body tried, with the furthest expression reached and its operand values
// (src/rego/trace.ts). From the entry point we follow the failing expression into the rule it calls,
// down to a builtin comparison, then find the compared request value in the input to name its field path.

import type { ExplainEntry, ExplainTrace } from "../rego/index.ts";
import { describeDifference } from "./requests/field-diff.ts";

export interface ExplainStep {
  readonly rule: string;
  readonly location: string;
  /** Source text of the expression that failed in this body. */
  readonly expression: string;
}

export interface Explanation {
  readonly kind: string;
  /** From the entry point to the innermost failing expression. */
  readonly chain: readonly ExplainStep[];
  /** `<field path>: expected …, got …` lines, most specific first; empty when no field could be named. */
  readonly differences: readonly string[];
}

interface Node {
  readonly index: number;
  readonly entry: ExplainEntry;
}

const BUILTIN_OPS = new Set([
  "equal",
  "neq",
  "lt",
  "lte",
  "gt",
  "gte",
  "unify",
  "value",
  "not",
  "some",
  "every",
]);

/** Rule names called by an expression: its operation, or `name(` occurrences inside every/some/not bodies. */
function calledRules(e: ExplainEntry): Set<string> {
  const f = e.failure;
  if (f === undefined) return new Set();
  if (!BUILTIN_OPS.has(f.operation) && !f.operation.includes(".")) return new Set([f.operation]);
  return new Set([...f.text.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\(/g)].map((m) => m[1] as string));
}

/** Bodies of the rules called by the failing expression of `parent`, for its last (failing) call. */
function failingChildren(entries: readonly ExplainEntry[], parent: Node): Node[] {
  const names = calledRules(parent.entry);
  const depth = parent.entry.depth + 1;
  const kids: Node[] = [];
  for (let i = parent.index + 1; i < entries.length; i++) {
    const e = entries[i] as ExplainEntry;
    if (e.depth < depth) break;
    if (e.depth !== depth || !names.has(e.rule.split(".").pop() ?? "")) continue;
    // A succeeding call ends a group: only the bodies tried after it belong to the call that failed.
    if (e.succeeded) kids.length = 0;
    else if (e.failure !== undefined) kids.push({ index: i, entry: e });
  }
  return kids;
}

interface Finding {
  readonly chain: Node[];
  readonly differences: string[];
  /** 3 = field named with an expected value, 2 = field named (or only a pattern to match), 1 = rule chain only. */
  readonly quality: number;
}

/** Value of the nearest enclosing `every` element, the request value most failures are about. */
function everyElement(chain: readonly Node[]): { key: unknown; value: unknown } | undefined {
  for (let i = chain.length - 1; i >= 0; i--) {
    const f = (chain[i] as Node).entry.failure;
    if (f?.operation === "every" && f.values.length === 2) return { key: f.values[0], value: f.values[1] };
  }
  return undefined;
}

function describe(chain: Node[], input: unknown): Finding {
  const leaf = (chain[chain.length - 1] as Node).entry;
  const lines = describeDifference(leaf.failure, everyElement(chain), callArgs(chain), input);
  const first = lines[0] ?? "";
  const quality = first === "" ? 1 : first.includes("expected") && !first.includes("matching") ? 3 : 2;
  return { chain, differences: lines, quality };
}

/** Operand values of the failing calls along the chain, innermost first (for list and object diffs). */
function callArgs(chain: readonly Node[]): unknown[][] {
  return chain
    .map((n) => n.entry.failure)
    .filter((f) => f !== undefined && !BUILTIN_OPS.has(f.operation) && !f.operation.includes("."))
    .map((f) => [...(f?.values ?? [])])
    .reverse();
}

function explore(
  entries: readonly ExplainEntry[],
  chain: Node[],
  input: unknown,
  budget: { n: number },
): Finding {
  const here = describe(chain, input);
  const kids = failingChildren(entries, chain[chain.length - 1] as Node);
  if (kids.length === 0 || --budget.n <= 0) return here;
  let best: Finding | undefined;
  // Bodies that got furthest first: they fail closest to the request's actual difference.
  const ordered = [...kids].sort((x, y) => y.entry.reached - x.entry.reached);
  for (const kid of ordered) {
    const f = explore(entries, [...chain, kid], input, budget);
    if (best === undefined || f.quality > best.quality) best = f;
    if (best.quality === 3) break;
  }
  // A deeper chain that names no field is still worth showing as the rule chain.
  if (best === undefined || (best.quality < here.quality && here.quality > 1)) return here;
  return best;
}

function rootOf(trace: ExplainTrace, kind: string): Node | undefined {
  let root: Node | undefined;
  trace.entries.forEach((entry, index) => {
    if (entry.depth !== 0 || entry.succeeded || entry.failure === undefined) return;
    if (!entry.rule.endsWith(`.${kind}`)) return;
    if (root === undefined || entry.reached > root.entry.reached) root = { index, entry };
  });
  return root;
}

/**
 * Explains why `kind` was denied for `input` from the evaluator's trace. With no body of the entry point
 * in the trace, the request was denied by the rule's default (or has no rule at all).
 */
export function explainDenial(kind: string, input: unknown, trace: ExplainTrace): Explanation {
  const root = rootOf(trace, kind);
  if (root === undefined) {
    return {
      kind,
      chain: [],
      differences: [`${kind}: no rule of the policy allows this request (its default applies)`],
    };
  }
  const finding = explore(trace.entries, [root], input, { n: 2000 });
  return {
    kind,
    chain: finding.chain.map(({ entry }) => ({
      rule: entry.rule,
      location: entry.failure?.location ?? entry.location,
      expression: (entry.failure?.text ?? "").replace(/\s+/g, " ").trim(),
    })),
    differences: finding.differences,
  };
}

/** Human-readable lines: the difference first, then the rule chain. */
export function formatExplanation(e: Explanation): string[] {
  const out = [`${e.kind}: denied`];
  for (const d of e.differences) out.push(`  ${d}`);
  for (const s of e.chain) out.push(`  rule ${s.rule} (${s.location}): ${s.expression}`);
  return out;
}
