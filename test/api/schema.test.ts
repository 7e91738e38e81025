import { describe, expect, test } from "bun:test";
import { ApiError } from "../../src/api/errors.ts";
import {
  encodeEvidence,
  expectHex,
  expectObject,
  parseAttestRequest,
  parseAttestResponse,
  parseEvidence,
  parseMeshCertRequest,
  parseRecoverRequest,
  parseSetManifestRequest,
} from "../../src/api/schema.ts";
import { expectCode } from "../support/expect-error.ts";

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

describe("request parsers", () => {
  const b64 = (n: number) => Buffer.from(new Uint8Array(n).fill(1)).toString("base64");
  const setBody = { manifest: b64(10), policies: [b64(5)], previousTransition: "00".repeat(32) };
  test("set manifest without a signature → decoded, signature undefined", () => {
    const r = parseSetManifestRequest(setBody);
    expect(r.manifest.length).toBe(10);
    expect(r.policies.map((p) => p.length)).toEqual([5]);
    expect(r.signature).toBeUndefined();
  });
  const refused: [string, () => unknown][] = [
    ["set manifest with an unknown field", () => parseSetManifestRequest({ ...setBody, extra: 1 })],
    [
      "set manifest with uppercase hex",
      () => parseSetManifestRequest({ ...setBody, previousTransition: "AA".repeat(32) }),
    ],
    [
      "recover with a 31-byte salt",
      () => parseRecoverRequest({ seed: b64(64), salt: b64(31), latestTransition: "00".repeat(32) }),
    ],
    ["attest with a 16-byte nonce", () => parseAttestRequest({ nonce: b64(16) })],
    ["mesh cert without evidence", () => parseMeshCertRequest({ nonce: b64(32), publicKey: b64(91) })],
    ["attest answer with an unknown phase", () => parseAttestResponse({ phase: "open" })],
  ];
  for (const [name, parse] of refused) {
    test(`${name} → ApiError invalid_argument`, async () => {
      await expectCode(parse, ApiError, "invalid_argument");
    });
  }
});
