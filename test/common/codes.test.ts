// Every error code has one owner: the class tables are disjoint, and each API code belongs to one of them.

import { describe, expect, test } from "bun:test";
import { API_CODES, CODES_BY_KIND, kindOfCode } from "../../src/common/codes.ts";
import {
  ConfigError,
  EXIT,
  ParseError,
  PolicyError,
  UnavailableError,
  UsageError,
  VerificationError,
} from "../../src/common/errors.ts";

describe("CODES_BY_KIND", () => {
  test("each code in exactly one table, each written snake_case", () => {
    const seen = new Map<string, string>();
    for (const [kind, codes] of Object.entries(CODES_BY_KIND)) {
      for (const code of codes) {
        expect(seen.get(code) ?? kind).toBe(kind);
        seen.set(code, kind);
        expect(code).toMatch(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/);
      }
    }
    expect(seen.size).toBe(Object.values(CODES_BY_KIND).reduce((n, c) => n + c.length, 0));
  });

  test("every API code → owned by one of the tables", () => {
    for (const code of API_CODES) expect(kindOfCode(code)).toBeDefined();
  });
});

describe("exitCode", () => {
  const rows: [string, { exitCode: number }, number][] = [
    ["ParseError", new ParseError("invalid_pem", "x"), EXIT.config],
    ["ConfigError", new ConfigError("invalid_manifest", "x"), EXIT.config],
    ["UsageError", new UsageError("invalid_flag", "x"), EXIT.usage],
    ["VerificationError", new VerificationError("snp_bad_signature", "x"), EXIT.verification],
    ["PolicyError", new PolicyError("reference_values_mismatch", "x"), EXIT.policy],
    ["UnavailableError", new UnavailableError("connection_refused", "x"), EXIT.unavailable],
  ];
  for (const [name, error, exit] of rows)
    test(`${name} → exit ${exit}`, () => expect(error.exitCode).toBe(exit));
});
