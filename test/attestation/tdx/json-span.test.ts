import { describe, expect, test } from "bun:test";
import { findTopLevelMembers } from "../../../src/attestation/tdx/json-span.ts";
import { utf8 } from "../../../src/common/bytes.ts";
import { ParseError } from "../../../src/common/errors.ts";
import { expectError } from "../../support/expect-error.ts";

function spans(text: string): Record<string, string> {
  const b = utf8(text);
  const out: Record<string, string> = {};
  for (const [k, s] of findTopLevelMembers(b, "body"))
    out[k] = new TextDecoder().decode(b.subarray(s.start, s.end));
  return out;
}

describe("findTopLevelMembers", () => {
  test("objects, arrays, strings with escapes and numbers → exact value bytes", () => {
    expect(spans('{"a":{"x":"}\\"]"},"b" : [1,{"c":[]}] ,"c":-1.5e3,"d":"\\u00e9","e":true}')).toEqual({
      a: '{"x":"}\\"]"}',
      b: '[1,{"c":[]}]',
      c: "-1.5e3",
      d: '"\\u00e9"',
      e: "true",
    });
  });

  test("multi-byte UTF-8 before the value → byte offsets, not character offsets", () => {
    const text = '{"é€":"日本","v":{"k":1}}';
    const b = utf8(text);
    const v = findTopLevelMembers(b, "body").get("v")!;
    expect(new TextDecoder().decode(b.subarray(v.start, v.end))).toBe('{"k":1}');
  });

  test("escaped member name → decoded name", () => {
    expect(Object.keys(spans('{"tcb\\u0049nfo":{}}'))).toEqual(["tcbInfo"]);
  });

  test("empty object → no members", () => {
    expect(spans(" {} ")).toEqual({});
  });

  const rows: [string, string][] = [
    ["duplicate member", '{"a":1,"a":2}'],
    ["duplicate member via escape", '{"a":1,"\\u0061":2}'],
    ["top-level array", "[1,2]"],
    ["invalid JSON", '{"a":}'],
    ["trailing garbage", '{"a":1} x'],
  ];
  for (const [name, text] of rows) {
    test(`${name} → ParseError tdx_bad_collateral_json`, () => {
      expectError(() => findTopLevelMembers(utf8(text), "body"), ParseError, "tdx_bad_collateral_json");
    });
  }

  test("invalid UTF-8 → ParseError", () => {
    expect(() => findTopLevelMembers(new Uint8Array([0x7b, 0xff, 0x7d]), "body")).toThrow(ParseError);
  });
});
