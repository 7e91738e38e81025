import { describe, expect, test } from "bun:test";
import { ApiError } from "../../src/api/errors.ts";
import { encodeEvidence, expectHex, expectObject, parseEvidence } from "../../src/api/schema.ts";

const valid = { platform: "snp", report: Buffer.from([1, 2, 3]).toString("base64"), certs: { vcek: "AAAA" } };

describe("parseEvidence", () => {
  test("valid → bytes decoded, round trip through encodeEvidence", () => {
    const e = parseEvidence(valid);
    expect(e.platform).toBe("snp");
    expect([...e.report]).toEqual([1, 2, 3]);
    expect(parseEvidence(encodeEvidence(e))).toEqual(e);
  });
  const rows: [string, unknown][] = [
    ["platform other", { ...valid, platform: "sev" }],
    ["report not base64", { ...valid, report: "***" }],
    ["unknown field", { ...valid, extra: 1 }],
    ["unknown cert kind", { ...valid, certs: { foo: "AAAA" } }],
    ["not an object", [valid]],
  ];
  for (const [name, input] of rows) {
    test(`${name} → invalid_argument`, () => {
      try {
        parseEvidence(input);
        throw new Error("no error");
      } catch (e) {
        expect(e).toBeInstanceOf(ApiError);
        expect((e as ApiError).code).toBe("invalid_argument");
        expect((e as ApiError).status).toBe(400);
      }
    });
  }
});

describe("expectHex", () => {
  test("uppercase or wrong length → invalid_argument", () => {
    expect(() => expectHex("AB", "f", 1)).toThrow(ApiError);
    expect(() => expectHex("ab", "f", 2)).toThrow(ApiError);
    expect(expectHex("ab", "f", 1)).toEqual(new Uint8Array([0xab]));
  });
});

describe("expectObject", () => {
  test("field names appear in the message path", () => {
    try {
      expectObject({ a: 1, b: 2 }, "body", ["a"]);
    } catch (e) {
      expect((e as ApiError).message).toContain("body.b");
    }
  });
});
