// RE2 → JavaScript regex translation: supported constructs map to equivalent JS, unsupported ones fail.

import { describe, expect, test } from "bun:test";
import { RegexSyntaxError, translateRegex } from "../../../src/policy/rego/builtins/regex-translate.ts";

function matches(pattern: string, s: string): boolean {
  const t = translateRegex(pattern);
  return new RegExp(t.source, t.flags).test(s);
}

describe("translateRegex", () => {
  const ROWS: [string, string, boolean][] = [
    ["^[a-z0-9]{64}$", "a".repeat(64), true],
    ["^[a-z0-9]{64}$", "a".repeat(63), false],
    ["(?i)^abc$", "ABC", true],
    ["(?s)a.b", "a\nb", true],
    ["a.b", "a\nb", false],
    ["a.b", "a\rb", true],
    ["(?m)^b$", "a\nb", true],
    ["^(?P<x>a)$", "a", true],
    ["\\Aab\\z", "ab", true],
    ["\\Qa.b\\E", "a.b", true],
    ["\\Qa.b\\E", "axb", false],
    ["^\\pL+$", "héllo", true],
    ["^\\p{Greek}+$", "αβγ", true],
    ["^[[:alpha:]]+$", "abc", true],
    ["^[[:digit:]_]+$", "1_2", true],
    ["^a\\-b\\#c\\:d$", "a-b#c:d", true],
    ["^[\\-a]+$", "-a-", true],
    ["^{x}$", "{x}", true],
    ["^a{2}$", "aa", true],
    ["^a{,2}$", "a{,2}", true],
    ["\\s", "\u00a0", false],
    ["\\s", "\t", true],
    ["^\\x{41}$", "A", true],
    ["[]a]", "]", true],
    ["^\\$\\(node-name\\)$", "$(node-name)", true],
  ];
  let ran = 0;
  for (const [pattern, input, want] of ROWS) {
    test(`${JSON.stringify(pattern)} on ${JSON.stringify(input)} → ${want}`, () => {
      expect(matches(pattern, input)).toBe(want);
      ran++;
    });
  }
  test("all rows ran", () => expect(ran).toBe(ROWS.length));

  for (const bad of [
    "a(?=b)",
    "a(?!b)",
    "(?<=a)b",
    "(?<!a)b",
    "(a)\\1",
    "a(?i)b",
    "(?U)a*",
    "[a",
    "\\C",
    "\\Z",
  ]) {
    test(`${JSON.stringify(bad)} → RegexSyntaxError`, () => {
      expect(() => translateRegex(bad)).toThrow(RegexSyntaxError);
    });
  }
});
