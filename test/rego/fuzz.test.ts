// Parser/evaluator fuzzing with a fixed seed: random token soups and mutations of real policies must
// only ever raise the project's error classes, and every case must finish quickly (no hangs).

import { describe, expect, test } from "bun:test";
import { ContrastError } from "../../src/common/errors.ts";
import { RegoEngine } from "../../src/rego/index.ts";
import { seededRandom } from "../support/seeded-random.ts";
import { CASES } from "./conformance-cases.ts";
import { agentPolicy, agentRequest } from "./fixtures/agent-like.ts";

const TOKENS = [
  "{",
  "}",
  "[",
  "]",
  "(",
  ")",
  ":=",
  "=",
  "==",
  "!=",
  "<",
  ">=",
  "|",
  "&",
  "+",
  "-",
  "*",
  "/",
  "%",
  ",",
  ";",
  ":",
  ".",
  "some",
  "every",
  "in",
  "not",
  "if",
  "else",
  "default",
  "contains",
  "import",
  "package",
  "with",
  "set()",
  "x",
  "y",
  "_",
  "p",
  "q",
  "f(x)",
  "input",
  "data",
  "data.f.p",
  "input.a[_]",
  "count(",
  "regex.match(",
  "sprintf(",
  "0",
  "1",
  "-1",
  "1.5e3",
  "1e999",
  '"s"',
  '"\\u00e9"',
  '"\\q"',
  "`raw`",
  "`",
  '"',
  "#",
  "\n",
  "\t",
  " ",
  "\u0000",
  "é",
];

function tokenSoup(r: () => number): string {
  const n = 1 + Math.floor(r() * 60);
  let out = r() < 0.5 ? "package f\n" : "";
  for (let i = 0; i < n; i++) out += TOKENS[Math.floor(r() * TOKENS.length)] + (r() < 0.3 ? "\n" : " ");
  return out;
}

function mutate(text: string, r: () => number): string {
  let s = text;
  const rounds = 1 + Math.floor(r() * 4);
  for (let i = 0; i < rounds; i++) {
    const at = Math.floor(r() * (s.length + 1));
    const len = Math.floor(r() * 12);
    switch (Math.floor(r() * 4)) {
      case 0:
        s = s.slice(0, at) + s.slice(at + len);
        break;
      case 1:
        s = s.slice(0, at) + TOKENS[Math.floor(r() * TOKENS.length)] + s.slice(at);
        break;
      case 2:
        s = s.slice(0, at) + s.slice(at, at + len * 4) + s.slice(at);
        break;
      default: {
        const lines = s.split("\n");
        const a = Math.floor(r() * lines.length);
        const b = Math.floor(r() * lines.length);
        [lines[a], lines[b]] = [lines[b] as string, lines[a] as string];
        s = lines.join("\n");
      }
    }
  }
  return s;
}

/** Loads and, if it compiles, evaluates up to three rules; returns the error class name or "ok". */
function exercise(text: string, input: unknown): string {
  const engine = new RegoEngine({ stepLimit: 20_000 });
  try {
    engine.addPolicy("f.rego", text);
    for (const path of engine.rulePaths().slice(0, 3)) engine.evalRule(path, input);
    return "ok";
  } catch (e) {
    if (e instanceof ContrastError) return e.name;
    throw e;
  }
}

const SEEDS = CASES.map((c) => `package test\n\n${c.policy}\n`);
const AGENT = agentPolicy(2);

describe("fuzz", () => {
  test("random token soups → only project errors", () => {
    const r = seededRandom(1);
    const outcomes = new Map<string, number>();
    let worst = 0;
    for (let i = 0; i < 2500; i++) {
      const t0 = performance.now();
      const o = exercise(tokenSoup(r), { a: [1, 2] });
      worst = Math.max(worst, performance.now() - t0);
      outcomes.set(o, (outcomes.get(o) ?? 0) + 1);
    }
    expect([...outcomes.values()].reduce((a, b) => a + b, 0)).toBe(2500);
    expect(outcomes.get("ParseError") ?? 0).toBeGreaterThan(1000);
    expect(worst).toBeLessThan(2000);
  });

  test("mutated conformance policies → only project errors", () => {
    const r = seededRandom(2);
    let ran = 0;
    let compiled = 0;
    for (let i = 0; i < 3000; i++) {
      const seed = SEEDS[Math.floor(r() * SEEDS.length)] as string;
      if (exercise(mutate(seed, r), { x: 1, a: [1, 2], m: { b: 2 } }) === "ok") compiled++;
      ran++;
    }
    expect(ran).toBe(3000);
    expect(compiled).toBeGreaterThan(100);
  });

  test("mutated agent policy → only project errors", () => {
    const r = seededRandom(3);
    const input = agentRequest(1);
    let ran = 0;
    for (let i = 0; i < 300; i++) {
      exercise(mutate(AGENT, r), input);
      ran++;
    }
    expect(ran).toBe(300);
  });

  test("deep nesting and long chains → errors, not crashes", () => {
    const deep = (open: string, close: string, n: number) =>
      `package f\np := ${open.repeat(n)}1${close.repeat(n)}`;
    for (const text of [
      deep("[", "]", 5000),
      deep("(", ")", 5000),
      deep('{"a": ', "}", 5000),
      `package f\np := ${"1 +\n".repeat(50_000)}1`,
      `package f\np if ${"not ".repeat(5000)}true`,
    ]) {
      expect(exercise(text, {})).toMatch(/^(ParseError|ConfigError|ok)$/);
    }
  });
});
