// Agent requests in the agent's debug-log form `{"kind": "<Message>", "request": {…}}` (Kata Containers src/agent/policy/src/policy.rs): parse and print.

import { ParseError } from "../../common/errors.ts";
import { fillRequestDefaults } from "./protobuf-defaults.ts";

export interface AgentRequest {
  /** Protobuf message name of the request, which is also the policy entry point. */
  readonly kind: string;
  readonly request: Readonly<Record<string, unknown>>;
}

/** Upper bound for a request file: the agent's ttRPC messages are far smaller. */
export const MAX_REQUEST_TEXT = 64 * 1024 * 1024;

const KIND = /^[A-Z][A-Za-z0-9]*$/;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function toAgentRequest(v: unknown, where: string): AgentRequest {
  if (!isPlainObject(v))
    throw new ParseError("request_malformed", `${where}: expected an object`, { field: where });
  if (typeof v.kind !== "string" || !KIND.test(v.kind)) {
    throw new ParseError(
      "request_kind_invalid",
      `${where}.kind: expected a request message name like CreateContainerRequest, got ${JSON.stringify(v.kind)}`,
      { field: `${where}.kind` },
    );
  }
  if (!isPlainObject(v.request)) {
    throw new ParseError("request_malformed", `${where}.request: expected an object`, {
      field: `${where}.request`,
    });
  }
  return { kind: v.kind, request: fillRequestDefaults(v.kind, v.request) };
}

/**
 * Reads one JSON object, a JSON array of objects, or JSON lines (the agent's `/tmp/policy.jsonl`), each
 * `{kind, request}`; absent request fields get protobuf defaults. Extra keys such as `allowed` are ignored.
 */
export function parseAgentRequests(text: string): AgentRequest[] {
  if (text.length > MAX_REQUEST_TEXT) {
    throw new ParseError(
      "request_too_large",
      `requests: expected at most ${MAX_REQUEST_TEXT} bytes, got ${text.length}`,
    );
  }
  const trimmed = text.trim();
  if (trimmed === "")
    throw new ParseError("request_malformed", "requests: expected at least one request, got none");
  let whole: unknown;
  try {
    whole = JSON.parse(trimmed);
  } catch {
    whole = undefined;
  }
  if (Array.isArray(whole)) return whole.map((v, i) => toAgentRequest(v, `requests[${i}]`));
  if (whole !== undefined) return [toAgentRequest(whole, "request")];
  const out: AgentRequest[] = [];
  for (const [i, line] of trimmed.split("\n").entries()) {
    if (line.trim() === "") continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new ParseError("request_not_json", `line ${i + 1}: expected a JSON object`, {
        field: `line ${i + 1}`,
        cause: e,
      });
    }
    out.push(toAgentRequest(v, `line ${i + 1}`));
  }
  return out;
}

/** One JSON object per line, `{"kind", "request"}`, as the agent logs them; feeds back into parseAgentRequests. */
export function formatAgentRequests(requests: readonly AgentRequest[]): string {
  return requests.map((r) => `${JSON.stringify({ kind: r.kind, request: r.request })}\n`).join("");
}
