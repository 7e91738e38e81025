import { beforeAll, describe, expect, test } from "bun:test";
import { toHex } from "../../src/common/bytes.ts";
import { ParseError } from "../../src/common/errors.ts";
import { exportPublicKeySpki, generateEcKeyPair } from "../../src/crypto/keys.ts";
import { parseCoordinatorPin, serializeCoordinatorPin } from "../../src/policy/coordinator-pin.ts";
import { expectCode } from "../support/expect-error.ts";

let key: string;
const D = "d".repeat(64);

beforeAll(async () => {
  key = toHex(await exportPublicKeySpki((await generateEcKeyPair("P-384")).publicKey));
});

describe("serializeCoordinatorPin", () => {
  test("lists in any order and case → one byte-exact text, sorted and deduplicated; parses back", () => {
    const a = serializeCoordinatorPin({ coordinatorPolicies: [D, "a".repeat(64)], deploymentKeys: [key] });
    const b = serializeCoordinatorPin({
      coordinatorPolicies: ["A".repeat(64), D, D],
      deploymentKeys: [key.toUpperCase()],
    });
    expect(a).toBe(b);
    expect(a).toBe(
      `{"version":1,"coordinatorPolicies":["${"a".repeat(64)}","${D}"],"deploymentKeys":["${key}"]}`,
    );
    expect(parseCoordinatorPin(a)).toEqual({
      coordinatorPolicies: ["a".repeat(64), D],
      deploymentKeys: [key],
    });
  });
});

describe("parseCoordinatorPin", () => {
  const pin = (o: Record<string, unknown>) =>
    JSON.stringify({ version: 1, coordinatorPolicies: [D], deploymentKeys: [key], ...o });
  const rows: [string, () => string, string][] = [
    ["not json", () => "{", "coordinator_pin_invalid"],
    ["an array", () => "[]", "coordinator_pin_invalid"],
    ["unknown field", () => pin({ extra: 1 }), "coordinator_pin_invalid"],
    ["version 2", () => pin({ version: 2 }), "coordinator_pin_invalid"],
    ["no coordinator policy", () => pin({ coordinatorPolicies: [] }), "coordinator_pin_invalid"],
    ["uppercase digest", () => pin({ coordinatorPolicies: [D.toUpperCase()] }), "coordinator_pin_invalid"],
    ["short digest", () => pin({ coordinatorPolicies: ["dd"] }), "coordinator_pin_invalid"],
    ["no deployment key", () => pin({ deploymentKeys: [] }), "coordinator_pin_invalid"],
    ["deployment key not hex", () => pin({ deploymentKeys: ["xyz"] }), "coordinator_pin_invalid"],
    ["deployment key that is no key", () => pin({ deploymentKeys: ["3000"] }), "invalid_der"],
  ];
  for (const [name, text, code] of rows) {
    test(`${name} → ParseError ${code}`, async () => {
      await expectCode(() => parseCoordinatorPin(text()), ParseError, code);
    });
  }
  test("row count", () => expect(rows.length).toBe(10));
});
