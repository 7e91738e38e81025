// Evaluates agent requests against one pod's policy the way the Kata agent does: entry point per message, state via JSON Patch (Kata Containers src/agent/policy/src/policy.rs).

import { ConfigError } from "../common/errors.ts";
import { type ExplainTrace, RegoEngine, toJson } from "../rego/index.ts";
import type { AgentRequest } from "./requests/agent-request.ts";
import { applyJsonPatch } from "./requests/apply-json-patch.ts";

/** Module name the agent loads the policy text under; its package must be `agent_policy`. */
export const POLICY_MODULE = "agent_policy";

export interface RequestDecision {
  readonly kind: string;
  readonly allowed: boolean;
  /** `false`: the rule said no; `undefined`: no rule and no default (the agent refuses with an error). */
  readonly result: "allowed" | "false" | "undefined";
  /** Output of `print` calls, which the agent appends to its denial message. */
  readonly prints: readonly string[];
  readonly trace?: ExplainTrace;
}

export interface EvaluateOptions {
  readonly stepLimit?: number;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** One agent's engine: state (`data.pstate`) carries over from request to request, as in the guest. */
export class PolicySession {
  private readonly engine: RegoEngine;
  private data: Record<string, unknown> = { pstate: {} };

  /** Throws ParseError (with file:line:col) when the policy does not parse or compile. */
  constructor(policyText: string, opts: EvaluateOptions = {}) {
    this.engine = new RegoEngine(opts.stepLimit === undefined ? {} : { stepLimit: opts.stepLimit });
    this.engine.addPolicy(POLICY_MODULE, policyText);
    this.engine.setData(this.data);
  }

  /** The current policy state, for tests and `--json` output. */
  state(): Readonly<Record<string, unknown>> {
    return structuredClone(this.data.pstate) as Record<string, unknown>;
  }

  /**
   * Evaluates `data.agent_policy.<kind>` for the request. Boolean → decision; `{allowed, ops}` → decision and,
   * when allowed, ops applied to the data document; undefined → denied. Any other result, a failing patch or an
   * evaluation error (step limit, conflict) is a ConfigError: the policy itself is faulty.
   */
  evaluate(req: AgentRequest, opts: { explain?: boolean } = {}): RequestDecision {
    const r = this.engine.evalRule(`data.${POLICY_MODULE}.${req.kind}`, req.request, {
      explain: opts.explain === true,
    });
    const base = { kind: req.kind, prints: r.prints, ...(r.trace !== undefined ? { trace: r.trace } : {}) };
    if (r.value === undefined) return { ...base, allowed: false, result: "undefined" };
    const v = toJson(r.value);
    if (typeof v === "boolean") return { ...base, allowed: v, result: v ? "allowed" : "false" };
    if (isPlainObject(v) && typeof v.allowed === "boolean") {
      if (!v.allowed) return { ...base, allowed: false, result: "false" };
      if (v.ops !== undefined) {
        const next = applyJsonPatch(this.data, v.ops);
        if (!isPlainObject(next))
          throw new ConfigError("policy_patch_invalid", "ops: expected the data document to stay an object");
        this.data = next;
        this.engine.setData(this.data);
      }
      return { ...base, allowed: true, result: "allowed" };
    }
    throw new ConfigError(
      "policy_result_invalid",
      `${req.kind}: policy result expected a boolean or {allowed, ops}, got ${JSON.stringify(v).slice(0, 200)}`,
      { field: req.kind },
    );
  }
}

/** Evaluates `requests` in order against a fresh engine with data `{pstate: {}}`; one decision per request. */
export function evaluatePolicy(
  policyText: string,
  requests: readonly AgentRequest[],
  opts: EvaluateOptions = {},
): RequestDecision[] {
  const session = new PolicySession(policyText, opts);
  return requests.map((r) => session.evaluate(r));
}
