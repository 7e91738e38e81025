// Rego values: OPA's total order, equality, sets, JSON conversion and printing.

import { describe, expect, test } from "bun:test";
import { ParseError } from "../../src/common/errors.ts";
import { formatSprintf } from "../../src/rego/builtins/sprintf.ts";
import {
  compareValues,
  equalValues,
  formatValue,
  fromJson,
  marshalJson,
  RegoSet,
  type RegoValue,
  toJson,
} from "../../src/rego/index.ts";

describe("compareValues", () => {
  test("types order null < boolean < number < string < array < object < set", () => {
    const ordered: RegoValue[] = [
      null,
      false,
      true,
      -1,
      2,
      "",
      "a",
      [],
      [1],
      {},
      { a: 1 },
      new RegoSet(),
      new RegoSet([1]),
    ];
    for (let i = 0; i + 1 < ordered.length; i++)
      expect(compareValues(ordered[i] as RegoValue, ordered[i + 1] as RegoValue)).toBe(-1);
  });
  test("strings by code point (UTF-8 order) → astral after U+FFFF", () => {
    expect(compareValues("\u{10000}", "\uffff")).toBe(1);
    expect(compareValues("ab", "abc")).toBe(-1);
  });
  test("objects by sorted keys then values", () => {
    expect(compareValues({ a: 1, b: 2 }, { a: 1, c: 0 })).toBe(-1);
  });
});

describe("equalValues and RegoSet", () => {
  test("sets with nested values → structural membership", () => {
    const s = new RegoSet([{ b: 1, a: [1] }, new RegoSet([2, 1])]);
    expect(s.has({ a: [1], b: 1 })).toBe(true);
    expect(s.has(new RegoSet([1, 2]))).toBe(true);
    expect(s.size).toBe(2);
  });
  test("1 == 1.0, array ≠ set", () => {
    expect(equalValues(1, 1.0)).toBe(true);
    expect(equalValues([1], new RegoSet([1]))).toBe(false);
  });
});

describe("fromJson / toJson", () => {
  test("round trip with sorted keys and sets as arrays", () => {
    const v = fromJson({ b: [1, { z: 1, y: 2 }], a: null });
    expect(JSON.stringify(toJson(v))).toBe('{"a":null,"b":[1,{"y":2,"z":1}]}');
    expect(toJson(new RegoSet([2, 1]))).toEqual([1, 2]);
    expect(marshalJson(new RegoSet(["b", "a"]))).toBe('["a","b"]');
  });
  test("__proto__ key stays data", () => {
    const v = fromJson(JSON.parse('{"__proto__": {"x": 1}}')) as Record<string, RegoValue>;
    expect(Object.keys(v)).toEqual(["__proto__"]);
  });
  for (const [name, bad] of [
    ["undefined", undefined],
    ["function", () => 1],
    ["infinity", Number.POSITIVE_INFINITY],
    ["date", new Date(0)],
  ] as [string, unknown][]) {
    test(`${name} → ParseError rego_invalid_value`, () => {
      expect(() => fromJson({ x: bad })).toThrow(ParseError);
    });
  }
});

describe("formatValue", () => {
  test("OPA text form", () => {
    expect(formatValue({ b: "x", a: [1, null] })).toBe('{"a": [1, null], "b": "x"}');
    expect(formatValue(new RegoSet())).toBe("set()");
    expect(formatValue("tab\there")).toBe('"tab\\there"');
  });
});

describe("formatSprintf", () => {
  const ROWS: [string, RegoValue[], string][] = [
    ["%v", [1.5], "1.5"],
    ["%d", [-3], "-3"],
    ["%05d", [42], "00042"],
    ["%+d", [5], "+5"],
    ["%x", ["hi"], "6869"],
    ["%X", [255], "FF"],
    ["%o", [8], "10"],
    ["%b", [5], "101"],
    ["%e", [1234.5], "1.234500e+03"],
    ["%.3s", ["abcdef"], "abc"],
    ["%t", [true], "%!t(string=true)"],
    ["%s", [null], "null"],
    ["%q", ['a"b'], '"a\\"b"'],
    ["100%%", [], "100%"],
  ];
  for (const [fmt, args, want] of ROWS) {
    test(`${fmt} → ${want}`, () => expect(formatSprintf(fmt, args)).toBe(want));
  }
});
