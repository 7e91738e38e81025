import { describe, expect, test } from "bun:test";
import { PolicySession } from "../../src/policy/evaluate.ts";
import { explainDenial, formatExplanation } from "../../src/policy/explain.ts";
import { diffLists, findPaths, formatPath } from "../../src/policy/requests/field-diff.ts";
import { CREATE_MUTATIONS, mutateCreate } from "./requests/create-mutations.ts";
import { generateK8sTestdata } from "./requests/k8s-pods.ts";

const { pods } = await generateK8sTestdata(["guestbook"]);
const frontend = pods.find((p) => p.policy.name === "frontend")!;
const requests = frontend.built.requests;
const appIndex = requests.findLastIndex((r) => r.kind === "CreateContainerRequest");
const app = frontend.built.containers[frontend.built.containers.length - 1]!;

function explainApp(request: Record<string, unknown>) {
  const s = new PolicySession(frontend.policy.policyText);
  for (const r of requests.slice(0, appIndex)) s.evaluate(r);
  const d = s.evaluate({ kind: "CreateContainerRequest", request }, { explain: true });
  expect(d.allowed).toBe(false);
  return explainDenial("CreateContainerRequest", request, d.trace!);
}

describe("explainDenial", () => {
  let named = 0;
  for (const [name, mutate, line] of CREATE_MUTATIONS) {
    test(`${name} → names the field: ${line}`, () => {
      const e = explainApp(mutateCreate(requests[appIndex]!.request, mutate, app.containerId));
      expect(e.chain[0]?.rule).toBe("agent_policy.CreateContainerRequest");
      expect(e.differences[0] ?? "").toStartWith(line);
      named++;
    });
  }
  test("every mutation → explained", () => {
    expect(named).toBe(21);
  });

  test("exec of an arbitrary command → the exec rule chain", () => {
    const s = new PolicySession(frontend.policy.policyText);
    for (const r of requests) s.evaluate(r);
    const req = {
      container_id: app.containerId,
      exec_id: "e",
      string_user: null,
      process: {
        ...structuredClone(app.process),
        Args: ["/bin/sh", "-c", "id"],
        Capabilities: null,
        ApparmorProfile: "",
      },
    };
    const d = s.evaluate({ kind: "ExecProcessRequest", request: req }, { explain: true });
    expect(d.allowed).toBe(false);
    const e = explainDenial("ExecProcessRequest", req, d.trace!);
    expect(e.chain.map((c) => c.rule)).toContain("agent_policy.exec_args_ok");
    expect(formatExplanation(e)[0]).toBe("ExecProcessRequest: denied");
  });

  test("request with no rule body tried → default applies", () => {
    const e = explainDenial("SetPolicyRequest", {}, { entries: [] });
    expect(e.chain).toEqual([]);
    expect(e.differences[0]).toContain("its default applies");
  });
});

describe("diffLists", () => {
  test("same length, one element differs → that index with expected and got", () => {
    expect(diffLists(["Args"], [{ exact: "a" }, { exact: "b" }], ["a", "c"])).toEqual([
      'Args[1]: expected "b", got "c"',
    ]);
  });

  test("extra and missing elements → each named", () => {
    expect(diffLists(["xs"], ["a", "b"], ["a", "c", "d"])).toEqual([
      'xs[1]: "c" is not allowed by the policy',
      'xs[2]: "d" is not allowed by the policy',
      'xs: expected an entry "b", got none',
    ]);
  });

  test("regex patterns → matched, not compared as text", () => {
    expect(diffLists(["Env"], [{ regex: "^H=[a-z]+$" }], ["H=abc"])).toEqual([]);
  });
});

describe("findPaths / formatPath", () => {
  test("value in nested objects and arrays → every path, dotted and indexed", () => {
    const doc = { OCI: { Annotations: { "a.b": "x" }, Process: { Args: ["y", "x"] } } };
    expect(findPaths(doc, "x").map(formatPath)).toEqual(['OCI.Annotations["a.b"]', "OCI.Process.Args[1]"]);
  });

  test("sets compare regardless of order → found", () => {
    expect(findPaths({ g: [3, 1, 2] }, [1, 2, 3]).map(formatPath)).toEqual(["g"]);
  });
});
