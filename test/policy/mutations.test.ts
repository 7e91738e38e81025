import { describe, expect, test } from "bun:test";
import { PolicySession } from "../../src/policy/evaluate.ts";
import type { AgentRequest } from "../../src/policy/requests/agent-request.ts";
import { CREATE_MUTATIONS, mutateCreate } from "./requests/create-mutations.ts";
import { generateK8sTestdata } from "./requests/k8s-pods.ts";

// Baseline: the guestbook frontend pod (Initializer + php-redis), whose own requests are all allowed.
const { pods } = await generateK8sTestdata(["guestbook"]);
const frontend = pods.find((p) => p.policy.name === "frontend")!;
const requests = frontend.built.requests;
const appIndex = requests.findLastIndex((r) => r.kind === "CreateContainerRequest");
const app = frontend.built.containers[frontend.built.containers.length - 1]!;

/** Evaluates the pod's requests before `index`, then `replacement` in its place; returns that decision. */
function decide(index: number, replacement: AgentRequest): boolean {
  const s = new PolicySession(frontend.policy.policyText);
  for (const r of requests.slice(0, index)) expect(s.evaluate(r).allowed).toBe(true);
  return s.evaluate(replacement).allowed;
}

describe("CreateContainerRequest mutations of a generated pod", () => {
  test("unmodified app container → allowed", () => {
    expect(decide(appIndex, requests[appIndex]!)).toBe(true);
  });

  let denied = 0;
  for (const [name, mutate] of CREATE_MUTATIONS) {
    test(`${name} → denied`, () => {
      const request = mutateCreate(requests[appIndex]!.request, mutate, app.containerId);
      expect(decide(appIndex, { kind: "CreateContainerRequest", request })).toBe(false);
      denied++;
    });
  }
  test("every mutation → ran", () => {
    expect(denied).toBe(CREATE_MUTATIONS.length);
    expect(denied).toBe(21);
  });
});

function exec(args: string[], change: (p: Record<string, unknown>) => void = () => {}): AgentRequest {
  const r = structuredClone(requests.find((x) => x.kind === "ExecProcessRequest") ?? null);
  const base = r ?? {
    kind: "ExecProcessRequest",
    request: {
      container_id: app.containerId,
      exec_id: "3f1d2c4b-0000-4000-8000-000000000001",
      string_user: null,
      process: { ...structuredClone(app.process), Capabilities: null, ApparmorProfile: "" },
    },
  };
  const req = structuredClone(base.request) as { process: Record<string, unknown> };
  req.process.Args = args;
  change(req.process);
  return { kind: "ExecProcessRequest", request: req };
}

describe("ExecProcessRequest in a generated pod", () => {
  test("exec of an arbitrary command → denied", () => {
    expect(decide(requests.length, exec(["/bin/sh", "-c", "cat /contrast/secrets/*"]))).toBe(false);
  });

  test("exec into a container id the agent never created → denied", () => {
    const r = exec(["/bin/sh"]);
    (r.request as Record<string, unknown>).container_id = "f".repeat(64);
    expect(decide(requests.length, r)).toBe(false);
  });
});
