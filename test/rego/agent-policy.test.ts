// A representative agent policy end to end: allowed request, one-field mutations denied, explain output.

import { beforeAll, describe, expect, test } from "bun:test";
import { RegoEngine, toJson } from "../../src/rego/index.ts";
import { agentPolicy, agentRequest } from "./fixtures/agent-like.ts";

const RULE = "data.agent_policy.CreateContainerRequest";
let engine: RegoEngine;

beforeAll(() => {
  engine = new RegoEngine();
  engine.addPolicy("agent.rego", agentPolicy(4));
  engine.setData({ pstate: {} });
});

type Req = ReturnType<typeof agentRequest>;
const MUTATIONS: [string, (r: Req) => void][] = [
  ["changed arg", (r) => (r.OCI.Process.Args[1] = "--port=9090")],
  ["extra arg", (r) => r.OCI.Process.Args.push("--debug")],
  ["extra env var", (r) => r.OCI.Process.Env.push("LD_PRELOAD=/tmp/x.so")],
  ["changed env var", (r) => (r.OCI.Process.Env[1] = "APP=9")],
  ["other working dir", (r) => (r.OCI.Process.Cwd = "/tmp")],
  ["other user", (r) => (r.OCI.Process.User.UID = 0)],
  ["added capability", (r) => r.OCI.Process.Capabilities.Bounding.push("CAP_SYS_ADMIN")],
  [
    "extra mount",
    (r) => r.OCI.Mounts.push({ destination: "/host", type_: "bind", source: "/", options: ["rbind"] }),
  ],
  ["hosts mount from elsewhere", (r) => ((r.OCI.Mounts[1] as { source: string }).source = "/etc/hosts")],
  ["unknown annotation", (r) => Object.assign(r.OCI.Annotations, { "evil.io/x": "1" })],
  ["shared pid namespace", (r) => (r.sandbox_pidns = true)],
  ["string_user set", (r) => Object.assign(r, { string_user: { uid: "0" } })],
  ["missing mount namespace", (r) => r.OCI.Linux.Namespaces.splice(2, 1)],
];

describe("agent-like policy", () => {
  test("matching request → allowed with state ops", () => {
    const r = engine.evalRule(RULE, agentRequest(2));
    expect(toJson(r.value as never)).toEqual({
      allowed: true,
      ops: [
        { op: "add", path: "/pstate/sandbox_name", value: "web-0" },
        { op: "add", path: `/pstate/${"a".repeat(64)}`, value: 2 },
      ],
    });
  });

  test("state already pinned to the same name → no add op", () => {
    const e = new RegoEngine();
    e.addPolicy("agent.rego", agentPolicy(1));
    e.setData({ pstate: { sandbox_name: "web-0" } });
    const v = toJson(e.evalRule(RULE, agentRequest(0)).value as never) as { ops: unknown[] };
    expect(v.ops).toHaveLength(1);
    e.setData({ pstate: { sandbox_name: "other" } });
    expect(toJson(e.evalRule(RULE, agentRequest(0)).value as never)).toEqual({ allowed: false });
  });

  let denied = 0;
  for (const [name, mutate] of MUTATIONS) {
    test(`${name} → denied`, () => {
      const req = agentRequest(2);
      mutate(req);
      expect(toJson(engine.evalRule(RULE, req).value as never)).toEqual({ allowed: false });
      denied++;
    });
  }
  test("every mutation ran", () => expect(denied).toBe(MUTATIONS.length));

  test("explain names the failing comparison and its values", () => {
    const req = agentRequest(2);
    req.OCI.Process.Args[1] = "--port=9090";
    const r = engine.evalRule(RULE, req, { explain: true });
    const entries = r.trace?.entries ?? [];
    const top = entries.find((e) => e.rule === "agent_policy.CreateContainerRequest");
    expect(top?.succeeded).toBe(false);
    expect(top?.failure?.text).toBe("allow_process(p_oci.Process, i_oci.Process)");
    const argFail = entries.find(
      (e) => e.rule === "agent_policy.allow_arg" && e.failure?.values[1] === "--port=9090",
    );
    expect(argFail?.failure).toMatchObject({
      operation: "equal",
      operator: "==",
      values: ["--port=8080", "--port=9090"],
      text: "p == i",
    });
    const every = entries.find(
      (e) =>
        e.rule === "agent_policy.allow_process" &&
        e.failure?.operation === "every" &&
        e.failure.values[0] === 1,
    );
    expect(every?.failure?.values).toEqual([1, "--port=9090"]);
  });

  test("explain disabled → no trace", () => {
    expect(engine.evalRule(RULE, agentRequest(0)).trace).toBeUndefined();
  });

  test("explain reports an undefined operand", () => {
    const e = new RegoEngine();
    e.addPolicy("x.rego", "package x\nallow if {\n  input.a == 1\n  input.b.c == 2\n}");
    const r = e.evalRule("data.x.allow", { a: 1 }, { explain: true });
    expect(r.value).toBeUndefined();
    const f = r.trace?.entries[0]?.failure;
    expect(f).toMatchObject({ location: "x.rego:4:3", operation: "equal", text: "input.b.c == 2" });
    expect(f?.values).toEqual([undefined, 2]);
  });
});
