import { describe, expect, test } from "bun:test";
import { ConfigError, type ParseError } from "../../../src/common/errors.ts";
import { formatAgentRequests, parseAgentRequests } from "../../../src/policy/requests/agent-request.ts";
import { applyJsonPatch } from "../../../src/policy/requests/apply-json-patch.ts";
import { fillRequestDefaults } from "../../../src/policy/requests/protobuf-defaults.ts";

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return `${(e as Error).constructor.name}:${(e as ParseError).code}`;
  }
  return "none";
}

describe("parseAgentRequests", () => {
  test("one object, an array or JSON lines → the same requests", () => {
    const a = { kind: "StartContainerRequest", request: { container_id: "x" } };
    const b = { kind: "ReadStreamRequest", request: { container_id: "x", exec_id: "x", len: 1 } };
    expect(parseAgentRequests(JSON.stringify(a))).toHaveLength(1);
    expect(parseAgentRequests(JSON.stringify([a, b]))).toEqual(
      parseAgentRequests(`${JSON.stringify(a)}\n\n${JSON.stringify(b)}\n`),
    );
  });

  test("format then parse → round trip", () => {
    const reqs = parseAgentRequests(
      '{"kind":"CopyFileRequest","request":{"path":"/x","file_type":"Regular"}}',
    );
    expect(parseAgentRequests(formatAgentRequests(reqs))).toEqual(reqs);
  });

  test("Kata testcase shape (extra allowed/description keys) → accepted", () => {
    const [r] = parseAgentRequests(
      '{"kind":"RemoveContainerRequest","allowed":true,"description":"d","request":{"container_id":"c"}}',
    );
    expect(r).toEqual({ kind: "RemoveContainerRequest", request: { container_id: "c", timeout: 0 } });
  });

  const BAD: [string, string, string][] = [
    ["empty", "  ", "ParseError:request_malformed"],
    ["not an object", "[1]", "ParseError:request_malformed"],
    ["kind missing", '{"request":{}}', "ParseError:request_kind_invalid"],
    ["kind not a message name", '{"kind":"../x","request":{}}', "ParseError:request_kind_invalid"],
    ["request not an object", '{"kind":"X","request":[]}', "ParseError:request_malformed"],
    ["bad line", '{"kind":"X","request":{}}\n{nope', "ParseError:request_not_json"],
  ];
  for (const [name, text, want] of BAD) {
    test(`${name} → ${want}`, () => expect(code(() => parseAgentRequests(text))).toBe(want));
  }
});

describe("fillRequestDefaults", () => {
  test("sparse CreateContainerRequest → every field with its protobuf default", () => {
    const r = fillRequestDefaults("CreateContainerRequest", { OCI: { Mounts: [{ destination: "/x" }] } }) as {
      OCI: Record<string, unknown> & {
        Process: Record<string, unknown>;
        Mounts: unknown[];
        Linux: Record<string, unknown>;
      };
      string_user: unknown;
      shared_mounts: unknown;
    };
    expect(r.string_user).toBeNull();
    expect(r.shared_mounts).toEqual([]);
    expect(r.OCI.Hooks).toBeNull();
    expect(r.OCI.Process.Capabilities).toEqual({
      Bounding: [],
      Effective: [],
      Inheritable: [],
      Permitted: [],
      Ambient: [],
    });
    expect(r.OCI.Mounts).toEqual([{ destination: "/x", source: "", type_: "", options: [] }]);
    expect(r.OCI.Linux.Seccomp).toBeNull();
  });

  test("ExecProcessRequest without capabilities → Capabilities null (unset message)", () => {
    const r = fillRequestDefaults("ExecProcessRequest", { process: { Args: ["ls"] } }) as {
      process: { Capabilities: unknown };
    };
    expect(r.process.Capabilities).toBeNull();
  });

  test("present values of the wrong type → kept for the policy to judge", () => {
    const r = fillRequestDefaults("CreateSandboxRequest", { storages: "x" });
    expect(r.storages).toBe("x");
  });

  test("unknown kind → copied unchanged", () => {
    expect(fillRequestDefaults("NoSuchRequest", { a: 1 })).toEqual({ a: 1 });
  });
});

describe("applyJsonPatch", () => {
  test("add, replace, remove, test → applied in order on a copy", () => {
    const doc = { pstate: { a: 1 } };
    const out = applyJsonPatch(doc, [
      { op: "add", path: "/pstate/b", value: 2 },
      { op: "replace", path: "/pstate/a", value: 3 },
      { op: "remove", path: "/pstate/b" },
      { op: "test", path: "/pstate/a", value: 3 },
      { op: "add", path: "/pstate/x~1y", value: [] },
      { op: "add", path: "/pstate/x~1y/-", value: 1 },
    ]);
    expect(out).toEqual({ pstate: { a: 3, "x/y": [1] } });
    expect(doc).toEqual({ pstate: { a: 1 } });
  });

  const BAD: [string, unknown][] = [
    ["ops not an array", {}],
    ["remove of a missing key", [{ op: "remove", path: "/pstate/nope" }]],
    ["unknown op", [{ op: "move", path: "/pstate/a" }]],
    ["path not a pointer", [{ op: "add", path: "pstate", value: 1 }]],
    ["failing test", [{ op: "test", path: "/pstate/a", value: 2 }]],
    ["parent missing", [{ op: "add", path: "/nope/x", value: 1 }]],
  ];
  for (const [name, ops] of BAD) {
    test(`${name} → ConfigError policy_patch_invalid`, () => {
      expect(code(() => applyJsonPatch({ pstate: { a: 1 } }, ops))).toBe("ConfigError:policy_patch_invalid");
      expect(ConfigError).toBeDefined();
    });
  }
});
