import { describe, expect, test } from "bun:test";
import { expandVars } from "../../src/policy/expand-vars.ts";
import { literal, runtime, toPattern } from "../../src/policy/value-pattern.ts";

const VARS = new Map([
  ["A", literal("alpha")],
  ["IP", runtime("[0-9.]+")],
]);

describe("expandVars", () => {
  const rows: [string, object][] = [
    ["plain", { exact: "plain" }],
    ["$(A)-x", { exact: "alpha-x" }],
    ["$$(A)", { exact: "$(A)" }],
    ["$(MISSING)", { exact: "$(MISSING)" }],
    ["$(A", { exact: "$(A" }],
    ["cost $5", { exact: "cost $5" }],
    ["end$", { exact: "end$" }],
    ["http://$(IP):80", { regex: "^http://(?:[0-9.]+):80$" }],
  ];
  for (const [input, want] of rows) {
    test(`${JSON.stringify(input)} → ${JSON.stringify(want)}`, () => {
      expect(toPattern(expandVars(input, VARS))).toEqual(want as never);
    });
  }
});
