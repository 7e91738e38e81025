// Policy errors name file:line:col: syntax, compile and evaluation errors, asserted by class, code and location.

import { describe, expect, test } from "bun:test";
import { ConfigError, type ContrastError, ParseError } from "../../src/common/errors.ts";
import { RegoEngine } from "../../src/rego/index.ts";
import { thrownBy } from "../support/expect-error.ts";

function failure(text: string, rule = "p", opts: { stepLimit?: number } = {}): ContrastError {
  const engine = new RegoEngine(opts);
  return thrownBy(() => {
    engine.addPolicy("t.rego", text);
    engine.evalRule(`data.t.${rule}`, {});
  });
}

const ROWS: [string, string, typeof ParseError | typeof ConfigError, string, string][] = [
  ["missing package", "p := 1", ParseError, "rego_syntax", "t.rego:1:1"],
  ["bad character", "package t\np := 1 ! 2", ParseError, "rego_syntax", "t.rego:2:8"],
  ["unterminated string", 'package t\n\np := "abc', ParseError, "rego_syntax", "t.rego:3:6"],
  ["bad escape", 'package t\np := "a\\q"', ParseError, "rego_syntax", "t.rego:2:8"],
  ["unclosed array at end of file", "package t\np := [1,\n  2", ParseError, "rego_syntax", "t.rego:3:4"],
  [
    "two statements on one line",
    "package t\np if { 1 == 1 2 == 2 }",
    ParseError,
    "rego_syntax",
    "t.rego:2:15",
  ],
  ["empty body", "package t\np if {\n}", ParseError, "rego_syntax", "t.rego:2:6"],
  [
    "unknown builtin",
    "package t\n\np if {\n  foo.bar(1)\n}",
    ParseError,
    "rego_unknown_builtin",
    "t.rego:4:3",
  ],
  ["unsafe variable", "package t\np if {\n  x > 1\n}", ParseError, "rego_unsafe_var", "t.rego:3:3"],
  [
    "redeclared variable",
    "package t\np if {\n  x := 1\n  x := 2\n}",
    ParseError,
    "rego_var_redeclared",
    "t.rego:4:3",
  ],
  ["arity", "package t\np := count(1, 2, 3)", ParseError, "rego_arity", "t.rego:2:6"],
  ["recursion", "package t\np if q\nq if p", ParseError, "rego_recursion", "t.rego:2:1"],
  ["complete rule conflict", "package t\np := 1\np := 2", ConfigError, "rego_conflict", "t.rego:2:1"],
  [
    "step limit",
    "package t\np := count([1 |\n  some a in numbers.range(1, 1000)\n  some b in numbers.range(1, 1000)\n])",
    ConfigError,
    "rego_step_limit",
    "t.rego:4:3",
  ],
];

describe("RegoEngine errors", () => {
  for (const [name, text, cls, code, where] of ROWS) {
    test(`${name} → ${code} at ${where}`, () => {
      const e = failure(text, "p", { stepLimit: 50_000 });
      expect(e).toBeInstanceOf(cls);
      expect(e.code as string).toBe(code);
      expect(e.field).toBe(where);
      expect(e.message.startsWith(`${where}: `)).toBe(true);
    });
  }

  test("failed addPolicy leaves the previous policy loaded", () => {
    const engine = new RegoEngine();
    engine.addPolicy("t.rego", "package t\np := 1");
    expect(() => engine.addPolicy("t.rego", "package t\np := ")).toThrow(ParseError);
    expect(engine.evalRule("data.t.p").value).toBe(1);
  });

  test("bad rule path → rego_invalid_path", () => {
    expect(() => new RegoEngine().evalRule("agent_policy.x")).toThrow(
      expect.objectContaining({ code: "rego_invalid_path" }),
    );
  });

  test("input that is not JSON → rego_invalid_value", () => {
    const engine = new RegoEngine();
    engine.addPolicy("t.rego", "package t\np := input");
    expect(() => engine.evalRule("data.t.p", { f: () => 1 })).toThrow(
      expect.objectContaining({ code: "rego_invalid_value" }),
    );
    expect(() => engine.evalRule("data.t.p", { n: Number.NaN })).toThrow(ParseError);
  });

  test("data must be an object → rego_invalid_value", () => {
    expect(() => new RegoEngine().setData([1])).toThrow(
      expect.objectContaining({ code: "rego_invalid_value" }),
    );
  });

  test("oversized line → rego_too_large", () => {
    const text = `package t\np := "${"a".repeat(70_000)}"`;
    expect(() => new RegoEngine().addPolicy("t.rego", text)).toThrow(
      expect.objectContaining({ code: "rego_too_large" }),
    );
  });

  test("invalid step limit option → rego_invalid_option", () => {
    expect(() => new RegoEngine({ stepLimit: 0 })).toThrow(
      expect.objectContaining({ code: "rego_invalid_option" }),
    );
  });
});
