// serializeInitdata with a value given in parts (what generate passes: the shared rules, then the pod's data) must
// write exactly the bytes of the joined value: the digest of these bytes is what the pod VM attests.

import { describe, expect, test } from "bun:test";
import { fromUtf8 } from "../../src/common/bytes.ts";
import { parseInitdataDocument, serializeInitdata } from "../../src/policy/initdata.ts";
import { renderPolicy, renderPolicyParts } from "../../src/policy/render-policy.ts";

const CASES: readonly (readonly string[])[] = [
  ["package agent_policy\n", "\npolicy_data := ", '{\n  "a": 1\n}', "\n"],
  ["a\n''", "'b"], // ''' only across a boundary: must not become a literal string
  ["a\n'", "'", "'b"],
  ["a\n", "\r\n"],
  ["a\n", "\u0007"],
  ["a\n", "\u007f"],
  ["a\n\ud83d", "\ude00"], // a surrogate pair split between parts
  ["no newline", " at all"],
  ["x".repeat(5000), "\n", "x".repeat(5000)], // large parts take the encode cache
  ["", "\n", ""],
];

describe("serializeInitdata", () => {
  test.each(CASES.map((c) => [JSON.stringify(c).slice(0, 60), c] as const))(
    "value in parts %s → the bytes of the joined value",
    (_, parts) => {
      const joined = serializeInitdata([["policy.rego", parts.join("")]]);
      expect(serializeInitdata([["policy.rego", parts]])).toEqual(joined);
      expect(parseInitdataDocument(joined).data["policy.rego"]).toBe(parts.join(""));
    },
  );

  test("the same large part in two values, then another → each encoded from its own text", () => {
    const a = "a\n".repeat(3000);
    const b = "b\n".repeat(3000);
    const toml = fromUtf8(
      serializeInitdata([
        ["x", [a, "1"]],
        ["y", [b, "2"]],
        ["z", [a, "3"]],
      ]),
    );
    const doc = parseInitdataDocument(new TextEncoder().encode(toml)).data;
    expect([doc.x, doc.y, doc.z]).toEqual([`${a}1`, `${b}2`, `${a}3`]);
  });
});

describe("renderPolicyParts", () => {
  test("rules with and without a final newline → parts join to renderPolicy's text", () => {
    for (const rules of ["package agent_policy\n", "package agent_policy"]) {
      const data = { containers: [] } as never;
      expect(renderPolicyParts(rules, data).join("")).toBe(renderPolicy(rules, data));
      expect(renderPolicyParts(rules, data)[0]).toBe(rules);
    }
  });
});
