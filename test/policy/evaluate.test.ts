import { describe, expect, test } from "bun:test";
import { ConfigError, ParseError } from "../../src/common/errors.ts";
import { evaluatePolicy, PolicySession } from "../../src/policy/evaluate.ts";
import { expectError } from "../support/expect-error.ts";
import { generateK8sTestdata } from "./requests/k8s-pods.ts";

const { pods } = await generateK8sTestdata();

describe("evaluatePolicy", () => {
  test("every generated pod of the k8s testdata → all of its own requests allowed", () => {
    let requests = 0;
    const kinds = new Set<string>();
    for (const { policy, built } of pods) {
      const decisions = evaluatePolicy(policy.policyText, built.requests);
      expect({ pod: policy.where, denied: decisions.filter((d) => !d.allowed).map((d) => d.kind) }).toEqual({
        pod: policy.where,
        denied: [],
      });
      requests += decisions.length;
      for (const d of decisions) kinds.add(d.kind);
    }
    expect(pods.length).toBe(8);
    expect(requests).toBe(156);
    expect([...kinds].sort()).toEqual([
      "CopyFileRequest",
      "CreateContainerRequest",
      "CreateSandboxRequest",
      "ExecProcessRequest",
      "ReadStreamRequest",
    ]);
  });

  test("pod requests in order → state pins sandbox name and remembers every container", () => {
    const { policy, built } = pods[0]!;
    const s = new PolicySession(policy.policyText);
    for (const r of built.requests) s.evaluate(r);
    const state = s.state();
    expect(state.sandbox_name).toBe(built.instance.podName);
    expect(state.namespace).toBe("default");
    for (const [i, c] of built.containers.entries()) expect(state[c.containerId]).toBe(i);
  });

  test("app container before its sandbox under another name → denied by the pinned name", () => {
    const { policy, built } = pods[0]!;
    const s = new PolicySession(policy.policyText);
    const create = built.requests.filter((r) => r.kind === "CreateContainerRequest");
    expect(s.evaluate(create[0]!).allowed).toBe(true);
    const other = structuredClone(create[1]!.request) as { OCI: { Annotations: Record<string, string> } };
    other.OCI.Annotations["io.kubernetes.cri.sandbox-name"] = "redis-master-bbbbbbbbbb-ccccc";
    expect(s.evaluate({ kind: "CreateContainerRequest", request: other }).allowed).toBe(false);
  });

  test("unknown request kind → undefined result, denied", () => {
    const [d] = evaluatePolicy(pods[0]!.policy.policyText, [{ kind: "NoSuchRequest", request: {} }]);
    expect(d).toMatchObject({ allowed: false, result: "undefined" });
  });

  test("RemoveContainerRequest → drops the container from state; an exec there is denied", () => {
    const cassandra = pods.find((p) => p.policy.name === "cassandra")!;
    const s = new PolicySession(cassandra.policy.policyText);
    const reqs = cassandra.built.requests;
    const exec = reqs.find((r) => r.kind === "ExecProcessRequest")!;
    for (const r of reqs) expect(s.evaluate(r).allowed).toBe(true);
    const id = String(exec.request.container_id);
    expect(
      s.evaluate({ kind: "RemoveContainerRequest", request: { container_id: id, timeout: 0 } }).allowed,
    ).toBe(true);
    expect(s.state()[id]).toBeUndefined();
    expect(s.evaluate(exec).allowed).toBe(false);
  });

  test("policy text that does not parse → ParseError rego_syntax", () => {
    expect(() => evaluatePolicy("package agent_policy\nx := {", [])).toThrow(ParseError);
  });

  test("result neither boolean nor {allowed} → ConfigError policy_result_invalid", () => {
    const policy = 'package agent_policy\nCreateSandboxRequest := "yes"\n';
    expectError(
      () => evaluatePolicy(policy, [{ kind: "CreateSandboxRequest", request: {} }]),
      ConfigError,
      "policy_result_invalid",
    );
  });

  test("ops that do not apply → ConfigError policy_patch_invalid, state unchanged", () => {
    const policy =
      'package agent_policy\nStartContainerRequest := {"allowed": true, "ops": [{"op": "remove", "path": "/pstate/x"}]}\n';
    const s = new PolicySession(policy);
    expect(() => s.evaluate({ kind: "StartContainerRequest", request: {} })).toThrow(ConfigError);
    expect(s.state()).toEqual({});
  });

  test("runaway policy → ConfigError rego_step_limit", () => {
    const policy =
      "package agent_policy\nCreateSandboxRequest if {\n  some i in numbers.range(1, 100000)\n  i < 0\n}\n";
    expectError(
      () => evaluatePolicy(policy, [{ kind: "CreateSandboxRequest", request: {} }], { stepLimit: 1000 }),
      ConfigError,
      "rego_step_limit",
    );
  });

  test("denied request with print → prints kept", () => {
    const policy =
      'package agent_policy\ndefault CreateSandboxRequest := false\nCreateSandboxRequest if {\n  print("sandbox", input.sandbox_id)\n  false\n}\n';
    const [d] = evaluatePolicy(policy, [{ kind: "CreateSandboxRequest", request: { sandbox_id: "abc" } }]);
    expect(d).toMatchObject({ allowed: false, result: "false" });
    expect(d!.prints).toEqual(["sandbox abc"]);
  });
});
