// `name := {…}` rules whose value is plain JSON are read with JSON.parse (lexer.ts): the same values as the Rego
// parser gives them, anything that is not plain JSON still parsed as Rego, and locations after the literal unchanged.

import { describe, expect, test } from "bun:test";
import type { ContrastError } from "../../src/common/errors.ts";
import { RegoEngine, toJson } from "../../src/rego/index.ts";
import { tokenize } from "../../src/rego/lexer.ts";

function value(text: string, rule: string): unknown {
  const engine = new RegoEngine();
  engine.addPolicy("t.rego", `package t\n${text}\n`);
  const r = engine.evalRule(`data.t.${rule}`, {});
  return r.value === undefined ? undefined : toJson(r.value);
}

const jsonTokens = (text: string) =>
  tokenize("t.rego", `package t\n${text}\n`).filter((t) => t.kind === "json").length;

describe("JSON rule values", () => {
  const LITERALS = [
    '{"a": 1, "b": [true, false, null], "c": {"d": "e"}}',
    "[1, -2, 0.5, 1e3, 12345678901234567890]",
    '{"dup": 1, "dup": 2}',
    '{"__proto__": {"x": 1}, "constructor": "c"}',
    '{"s": "tab\\t nl\\n quote\\" slash\\/ uni\\u00e9 astral\\ud83d\\ude00 hash# brace} bracket]"}',
    '{\n  "multi": [\n    "line"\n  ]\n}',
    "{}",
    "[]",
  ];
  for (const lit of LITERALS) {
    test(`${JSON.stringify(lit.slice(0, 40))} → read whole, the value Rego's own parser gives`, () => {
      expect(jsonTokens(`x := ${lit}`)).toBe(1);
      // `[LIT][0]` is not a lone literal, so it goes through the Rego parser: the reference value.
      expect(jsonTokens(`y := [${lit}][0]`)).toBe(0);
      const text = `x := ${lit}\ny := [${lit}][0]`;
      expect(value(text, "x")).toEqual(value(text, "y"));
    });
  }

  const NOT_JSON: [string, string, unknown][] = [
    ["a set", "x := {1, 2}", [1, 2]],
    ["a reference inside", 'x := {"a": input.v}', undefined],
    ["a trailing comma", 'x := {"a": 1,}', { a: 1 }],
    ["a rule body after it", 'x := {"a": 1} if { true }', { a: 1 }],
    ["a ref after it", 'x := {"a": 1}["a"]', 1],
    ["a raw string", "x := [`raw`]", ["raw"]],
  ];
  for (const [name, text, want] of NOT_JSON) {
    test(`${name} → parsed as Rego, value ${JSON.stringify(want)}`, () => {
      expect(jsonTokens(text)).toBe(0);
      expect(value(text, "x")).toEqual(want);
    });
  }

  test("-0 read whole → a value equal to 0, as the parsed literal is", () => {
    expect(value("x := [-0]\np if { x[0] == 0; [-0][0] == 0 }", "p")).toBe(true);
  });

  test("a comment after the literal → still read whole", () => {
    expect(jsonTokens('x := {"a": 1} # data')).toBe(1);
  });

  test("a number JSON.parse makes infinite → the Rego parser's rego_syntax error", () => {
    expect(() => value("x := [1e400]", "x")).toThrow(expect.objectContaining({ code: "rego_syntax" }));
  });

  test("an error after a multi-line literal → reported at its own line and column", () => {
    const engine = new RegoEngine();
    let err: ContrastError | undefined;
    try {
      engine.addPolicy("t.rego", 'package t\nx := {\n  "a": [\n    1\n  ]\n}\np := 1 ! 2\n');
    } catch (e) {
      err = e as ContrastError;
    }
    expect(err?.code).toBe("rego_syntax");
    expect(err?.message).toContain("t.rego:7:8");
  });
});
