import { describe, expect, test } from "bun:test";
import { DEFAULT_RULES_TEXT, renderPolicy } from "../../src/policy/render-policy.ts";
import { parseModule } from "../../src/rego/parser.ts";

// Every agent request message must have a default so an unknown call is denied, never "undefined" (Kata Containers src/tools/genpolicy/rules.rego).
const DENIED = [
  "SetPolicyRequest",
  "ExecProcessRequest",
  "CopyFileRequest",
  "CreateContainerRequest",
  "CreateSandboxRequest",
  "UpdateContainerRequest",
  "WriteStreamRequest",
  "AllowRequestsFailingPolicy",
];

describe("rules.rego", () => {
  test("rules plus a policy_data document → parse with the project's Rego parser", () => {
    const text = renderPolicy(DEFAULT_RULES_TEXT, { containers: [] } as never);
    expect(() => parseModule("rules.rego", text)).not.toThrow();
  });

  test("security-relevant requests → default false", () => {
    let ran = 0;
    for (const name of DENIED) {
      expect(DEFAULT_RULES_TEXT).toMatch(new RegExp(`^default ${name} := false$`, "m"));
      ran++;
    }
    expect(ran).toBe(DENIED.length);
  });

  test("package → agent_policy", () => {
    expect(DEFAULT_RULES_TEXT).toMatch(/^package agent_policy$/m);
  });
});
