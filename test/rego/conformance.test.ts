// Runs the conformance table: each policy is loaded into a fresh engine and data.test.<rule> evaluated.

import { describe, expect, test } from "bun:test";
import { ContrastError } from "../../src/common/errors.ts";
import { equalValues, formatValue, RegoEngine, type RegoValue } from "../../src/rego/index.ts";
import { expectError } from "../support/expect-error.ts";
import { CASES, type Case } from "./conformance-cases.ts";

function run(c: Case): { value: RegoValue | undefined; prints: string[] } {
  const engine = new RegoEngine(c.stepLimit === undefined ? {} : { stepLimit: c.stepLimit });
  (c.modules ?? []).forEach((m, i) => {
    engine.addPolicy(`lib${i}.rego`, m);
  });
  engine.addPolicy("test.rego", `package test\n\n${c.policy}\n`);
  if (c.data !== undefined) engine.setData(c.data);
  return engine.evalRule(`data.test.${c.rule ?? "p"}`, c.input);
}

describe("conformance", () => {
  test("table has at least 150 cases", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(150);
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
  });

  let ran = 0;
  for (const c of CASES) {
    test(`${c.name} → ${"error" in c.want ? c.want.error : "undefined" in c.want ? "undefined" : "value"}`, () => {
      ran++;
      const want = c.want;
      if ("error" in want) {
        expectError(() => run(c), ContrastError, want.error);
        return;
      }
      const got = run(c);
      if ("undefined" in want) {
        expect(got.value === undefined ? "undefined" : formatValue(got.value)).toBe("undefined");
      } else {
        const ok = got.value !== undefined && equalValues(got.value, want.value);
        expect(got.value === undefined ? "undefined" : formatValue(got.value)).toBe(
          ok ? formatValue(got.value as RegoValue) : formatValue(want.value),
        );
        expect(ok).toBe(true);
      }
      if (c.prints !== undefined) expect(got.prints).toEqual([...c.prints]);
    });
  }

  test("every case ran", () => {
    expect(ran).toBe(CASES.length);
  });
});
