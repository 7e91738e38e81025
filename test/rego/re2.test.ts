// The RE2 engine behind the regex builtins: syntax accepted and refused, Go's regexp results, linear work on
// patterns that make a backtracking engine explode (counted in steps, not time), and the Rego step limit.

import { describe, expect, test } from "bun:test";
import { ContrastError } from "../../src/common/errors.ts";
import { RegoEngine } from "../../src/rego/index.ts";
import {
  compileRe2,
  groupTexts,
  matchRe2,
  RegexStepLimitError,
  type RegexSteps,
  RegexSyntaxError,
  re2FindAll,
  re2Replace,
  re2Split,
  re2Test,
} from "../../src/rego/re2/index.ts";
import { vmTest } from "../../src/rego/re2/vm.ts";
import { expectError } from "../support/expect-error.ts";

const steps = (): RegexSteps => ({ used: 0, limit: 1e9 });

describe("matchRe2", () => {
  const ROWS: [string, string, boolean][] = [
    ["^[a-z0-9]{64}$", "a".repeat(64), true],
    ["^[a-z0-9]{64}$", "a".repeat(63), false],
    ["(?i)^abc$", "ABC", true],
    ["(?i)^[^a]$", "A", false],
    ["(?i)^k$", "\u212a", true], // Kelvin sign folds to k, as in RE2
    ["(?s)a.b", "a\nb", true],
    ["a.b", "a\nb", false],
    ["a.b", "a\rb", true],
    ["(?m)^b$", "a\nb", true],
    ["^b$", "a\nb", false],
    ["a$", "a\n", false], // RE2's $ without (?m) is \z
    ["^(?P<x>a)$", "a", true],
    ["^(?<x>a)$", "a", true],
    ["\\Aab\\z", "ab", true],
    ["\\Qa.b\\E", "a.b", true],
    ["\\Qa.b\\E", "axb", false],
    ["^\\pL+$", "héllo", true],
    ["^\\PL+$", "123", true],
    ["^\\p{Greek}+$", "αβγ", true],
    ["^\\p{^Greek}+$", "abc", true],
    ["^[[:alpha:]]+$", "abc", true],
    ["^[[:digit:]_]+$", "1_2", true],
    ["^[[:^digit:]]+$", "ab", true],
    ["^a\\-b\\#c\\:d$", "a-b#c:d", true],
    ["^[\\-a]+$", "-a-", true],
    ["^[a-]+$", "-a-", true],
    ["^{x}$", "{x}", true],
    ["^a{2}$", "aa", true],
    ["^a{2,}$", "aaaa", true],
    ["^a{2,3}$", "aaaa", false],
    ["^a{,2}$", "a{,2}", true],
    ["\\s", "\u00a0", false],
    ["\\s", "\t", true],
    ["\\s", "\v", false], // RE2's \s has no \v
    ["^\\S\\D\\W$", "xa!", true],
    ["^[\\D]+$", "ab", true],
    ["^\\x{41}\\x42$", "AB", true],
    ["^\\101$", "A", false], // \1 is a backreference: refused below, not octal
    ["[]a]", "]", true],
    ["^\\$\\(node-name\\)$", "$(node-name)", true],
    ["\\bcd\\b", "ab cd ef", true],
    ["\\Bcd", "abcd", true],
    ["^😀+$", "😀😀", true],
    ["^.$", "😀", true],
    ["^[^a]$", "😀", true],
    ["a|b|", "c", true],
    ["^(?:ab|cd)+$", "abcdab", true],
    ["x*?y", "xxy", true],
  ];
  let ran = 0;
  for (const [pattern, input, want] of ROWS) {
    test(`${JSON.stringify(pattern)} on ${JSON.stringify(input)} → ${want}`, () => {
      if (pattern === "^\\101$") {
        expect(() => compileRe2(pattern)).toThrow(RegexSyntaxError);
      } else {
        expect(matchRe2(pattern, input, 1e6)).toBe(want);
      }
      ran++;
    });
  }
  test("all rows ran", () => expect(ran).toBe(ROWS.length));
});

describe("compileRe2", () => {
  const BAD = [
    "a(?=b)",
    "a(?!b)",
    "(?<=a)b",
    "(?<!a)b",
    "(a)\\1",
    "a(?i)b",
    "(?i:a)",
    "(?U)a*",
    "[a",
    "(a",
    "a)",
    "\\C",
    "\\Z",
    "\\e",
    "a**",
    "a+*",
    "*a",
    "a|*",
    "a{1001}",
    "a{3,2}",
    "\\p{NoSuchScript}",
    "\\x{110000}",
    "(?P<n>a)(?P<n>b)",
    "(?P<>a)",
    "[[:nosuch:]]",
    "((a{100}){100}){100}", // programs over the size cap
    "(a{100}){100}",
  ];
  let ran = 0;
  for (const bad of BAD) {
    test(`${JSON.stringify(bad)} → RegexSyntaxError`, () => {
      expect(() => compileRe2(bad)).toThrow(RegexSyntaxError);
      ran++;
    });
  }
  test("all bad patterns ran", () => expect(ran).toBe(BAD.length));
});

describe("re2FindAll / re2Replace / re2Split", () => {
  // Expected values printed by Go 1.19's regexp (FindAllStringSubmatch, ReplaceAllString, Split with n = -1).
  const FIND: [string, string, string[][]][] = [
    ["a*", "baaab", [[""], ["aaa"], [""]]],
    ["", "abc", [[""], [""], [""], [""]]],
    ["a|ab", "abab", [["a"], ["a"]]],
    ["(a|(b))+", "ba", [["ba", "a", "b"]]], // RE2 keeps a group from an earlier iteration (JS would clear it)
    [
      "(a*)+",
      "b",
      [
        ["", ""],
        ["", ""],
      ],
    ],
    [
      "(a*)*",
      "b",
      [
        ["", ""],
        ["", ""],
      ],
    ],
    ["x*", "éx😀", [[""], ["x"], [""]]],
    ["\\b", "ab cd", [[""], [""], [""], [""]]],
    ["(?m)^", "a\nb\n", [[""], [""], [""]]],
    [
      "(a)|(b)",
      "ab",
      [
        ["a", "a", ""],
        ["b", "", "b"],
      ],
    ],
    ["(a+?)(a*)", "aaa", [["aaa", "a", "aa"]]],
    ["(a??)(a*)", "aaa", [["aaa", "", "aaa"]]],
  ];
  for (const [p, s, want] of FIND) {
    test(`find all ${JSON.stringify(p)} in ${JSON.stringify(s)} → Go's result`, () => {
      expect(re2FindAll(compileRe2(p), s, -1, steps()).map((m) => groupTexts(s, m))).toEqual(want);
    });
  }

  const REPLACE: [string, string, string, string][] = [
    ["a*", "baaab", "X", "XbXbX"],
    ["", "abc", "-", "-a-b-c-"],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Go's template syntax, not a JS template
    ["a(?P<n>b)?", "ab a", "[$1|${n}|$n|$$|$0|$2|$x|$]", "[b|b|b|$|ab|||$] [|||$|a|||$]"],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Go's template syntax, not a JS template
    ["(b)", "abc", "$1x${1}x", "abxc"],
    ["b*", "abc", "<$0>", "<>a<b>c<>"],
  ];
  for (const [p, s, t, want] of REPLACE) {
    test(`replace ${JSON.stringify(p)} in ${JSON.stringify(s)} with ${JSON.stringify(t)} → Go's result`, () => {
      expect(re2Replace(compileRe2(p), s, t, steps())).toBe(want);
    });
  }

  const SPLIT: [string, string, string[]][] = [
    ["a*", "baaab", ["b", "b"]],
    ["", "abc", ["a", "b", "c"]],
    [",", "", [""]],
    ["", "", []],
    ["x*", "axbxxc", ["a", "b", "c"]],
    [",", "a,b,,c,", ["a", "b", "", "c", ""]],
  ];
  for (const [p, s, want] of SPLIT) {
    test(`split ${JSON.stringify(s)} on ${JSON.stringify(p)} → Go's result`, () => {
      expect(re2Split(compileRe2(p), s, steps(), p === "")).toEqual(want);
    });
  }
});

describe("linear work", () => {
  // Each is exponential (or high-degree polynomial) for a backtracking engine on `a…ab`.
  const PATHOLOGICAL = ["(a+)+$", "(a|a)*$", "(a*)*b", "^(a|aa)+$", "(x+x+)+y", "(.*a){12}$", "(a|ab|b)*c"];

  function used(pattern: string, n: number, kind: "test" | "exec"): number {
    const s = steps();
    const p = compileRe2(pattern);
    const input = `${"a".repeat(n)}b`;
    if (kind === "test") expect(re2Test(p, input, s)).toBe(pattern === "(a*)*b" || pattern === "(a|a)*$");
    else re2FindAll(p, input, -1, s);
    return s.used;
  }

  for (const pattern of PATHOLOGICAL) {
    test(`${pattern} on a×n + "b" → steps at most 4·n·program size, doubling n at most doubles them`, () => {
      for (const kind of ["test", "exec"] as const) {
        const size = compileRe2(pattern).op.length;
        const small = used(pattern, 1000, kind);
        const large = used(pattern, 2000, kind);
        expect(large).toBeLessThanOrEqual(4 * 2001 * size);
        expect(large / small).toBeLessThan(2.1);
      }
    });
  }

  test("a pattern needing more DFA states than cached (.{300} on 400 characters) → the Pike VM's answer", () => {
    const p = compileRe2("a.{300}b");
    const s = `${"a".repeat(350)}b`;
    expect(re2Test(p, s, steps())).toBe(true);
    expect(re2Test(p, s.slice(0, 300), steps())).toBe(false);
  });

  test("a step budget smaller than the work → RegexStepLimitError, not a hang", () => {
    const p = compileRe2("(a+)+$");
    expect(() => re2Test(p, `${"a".repeat(100_000)}b`, { used: 0, limit: 50_000 })).toThrow(
      RegexStepLimitError,
    );
  });
});

describe("regex builtins in an evaluation", () => {
  function evalWith(stepLimit: number, rule: string): unknown {
    const engine = new RegoEngine({ stepLimit });
    engine.addPolicy("p.rego", `package p\n${rule}\n`);
    return engine.evalRule("data.p.r", { s: `${"a".repeat(30_000)}b` }).value;
  }

  test("a catastrophic pattern within the step limit → its answer", () => {
    expect(evalWith(10_000_000, 'r := regex.match("(a+)+$", input.s)')).toBe(false);
  });

  test("a catastrophic pattern beyond the step limit → rego_step_limit, as any other runaway work", () => {
    expectError(
      () => {
        evalWith(10_000, 'r := regex.match("(a+)+$", input.s)'); // the input alone is 30,001 characters
      },
      ContrastError,
      "rego_step_limit",
    );
  });

  test("find_all and replace count their work too", () => {
    for (const rule of [
      'r := regex.find_all_string_submatch_n("(a|a)*$", input.s, -1)',
      'r := regex.replace(input.s, "(a*)*c", "x")',
    ]) {
      expect(() => evalWith(100_000, rule)).toThrow(expect.objectContaining({ code: "rego_step_limit" }));
    }
  });
});

describe("differential: the engine and JavaScript's backtracking RegExp agree on whole matches", () => {
  test("1,500 random patterns over {a, b} × 20 inputs → same match/no-match (DFA and VM), same leftmost-first span", () => {
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const atom = (d: number): string => {
      switch (rnd(d > 2 ? 4 : 7)) {
        case 0:
          return "a";
        case 1:
          return "b";
        case 2:
          return ".";
        case 3:
          return "[ab]";
        case 4:
          return `(${gen(d + 1)})`;
        case 5:
          return `(?:${gen(d + 1)}|${gen(d + 1)})`;
        default:
          return ["^", "$", "\\b"][rnd(3)] as string;
      }
    };
    const quant = () => ["", "", "*", "+", "?", "{1,2}", "*?", "+?", "{0,2}?"][rnd(9)] as string;
    const gen = (d: number): string => {
      let out = "";
      for (let i = 0, n = 1 + rnd(3); i < n; i++) {
        const a = atom(d);
        out += /^[\^$]|\\b/.test(a) ? a : a + quant();
      }
      return out;
    };
    let cases = 0;
    for (let i = 0; i < 1500; i++) {
      const pattern = gen(0);
      const js = new RegExp(pattern, "u");
      const p = compileRe2(pattern);
      for (let j = 0; j < 20; j++) {
        const s = Array.from({ length: rnd(8) }, () => "ab "[rnd(3)]).join("");
        const m = js.exec(s);
        const [ours] = re2FindAll(p, s, 1, steps());
        expect(ours === undefined ? null : [ours[0], ours[1]]).toEqual(
          m === null ? null : [m.index, m.index + m[0].length],
        );
        expect(re2Test(p, s, steps())).toBe(m !== null); // lazy DFA where it applies
        expect(vmTest(p, s, 0, steps())).toBe(m !== null); // Pike VM
        cases++;
      }
    }
    expect(cases).toBe(30_000);
  });
});
