// Field tables: one table reads (every problem by path), writes (table order) and types an object.

import { describe, expect, test } from "bun:test";
import { Checker } from "../../src/common/checker.ts";
import { type FieldsOf, field, readFields, type Table, writeFields } from "../../src/common/fields.ts";

const INNER = { A: field.uint(9), B: field.optional(field.bool()) } satisfies Table;
const OUTER = {
  Name: field.string(),
  Kind: field.oneOf(["x", "y"] as const),
  Inner: field.object(INNER),
  Hex: field.optional(field.list(field.hex(2))),
  Keys: field.defaulted(field.list(field.string()), () => []),
  Svn: field.nullable(field.uint(255)),
} satisfies Table;
type Outer = FieldsOf<typeof OUTER>;

const read = (v: unknown): { value: Outer | undefined; problems: string[] } => {
  const c = new Checker();
  return { value: readFields(c, v, "o", OUTER), problems: c.problems };
};

describe("readFields", () => {
  test("valid object → every field, the defaulted one filled in, no problem", () => {
    const r = read({ Name: "n", Kind: "y", Inner: { A: 3 }, Svn: null });
    expect(r.problems).toEqual([]);
    expect(r.value).toEqual({ Name: "n", Kind: "y", Inner: { A: 3 }, Keys: [], Svn: null });
  });
  test("every kind of problem at once → each one by its path", () => {
    const r = read({ Name: "", Kind: "z", Inner: { A: 10, C: 1 }, Hex: ["abcd", "zz"], Svn: 256, Extra: 1 });
    expect(r.problems.sort()).toEqual(
      [
        "o.Extra: unknown field",
        'o.Name: expected non-empty string, got ""',
        'o.Kind: expected one of x, y, got "z"',
        "o.Inner.C: unknown field",
        "o.Inner.A: expected integer 0-9, got 10",
        'o.Hex[1]: expected 4 hex characters, got "zz"',
        "o.Svn: expected integer 0-255, got 256",
      ].sort(),
    );
  });
  test("required field missing → named; optional and defaulted ones absent → no problem", () => {
    expect(read({ Kind: "x", Inner: { A: 0 }, Svn: 1 }).problems).toEqual(["o.Name: required field missing"]);
  });
});

describe("writeFields", () => {
  test("keys in table order, absent optional fields left out, null kept, nested tables too", () => {
    const value: Outer = { Svn: null, Keys: ["k"], Inner: { B: true, A: 1 }, Kind: "x", Name: "n" };
    expect(JSON.stringify(writeFields(value, OUTER))).toBe(
      '{"Name":"n","Kind":"x","Inner":{"A":1,"B":true},"Keys":["k"],"Svn":null}',
    );
  });
});
