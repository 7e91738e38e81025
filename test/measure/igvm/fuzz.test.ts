// Fuzzes the IGVM parser and SNP digest (fixed seed): malformed files → ParseError/ConfigError, never a crash or hang.

import { describe, expect, test } from "bun:test";
import { computeIgvmSnpLaunchDigest } from "../../../src/measure/igvm/igvm-snp-digest.ts";
import { parseIgvm } from "../../../src/measure/igvm/parse-igvm.ts";
import { createRandom, expectOnlyInputErrors, mutate } from "../snp/fuzz-util.ts";
import { buildIgvm, fixChecksum } from "./build-igvm.ts";

const CASES = 4000;
const BASE = buildIgvm([
  { kind: "platform", mask: 1, platformType: 2 },
  { kind: "platform", mask: 2, platformType: 3 },
  { kind: "policy", policy: 0x30000n, mask: 1 },
  { kind: "page", gpa: 0x1000, mask: 1, data: new Uint8Array(64).fill(3) },
  { kind: "page", gpa: 0x2000, mask: 3, dataType: 1 },
  { kind: "area", areaIndex: 0, size: 0x1000 },
  { kind: "insert", gpa: 0x3000, mask: 1, areaIndex: 0 },
  { kind: "raw", type: 0x30e, content: new Uint8Array(8) },
  { kind: "vp", gpa: 0xffffffff000, mask: 1, vpIndex: 0, data: new Uint8Array(32).fill(9) },
]);
const HEADERS_END = 24 + new DataView(BASE.buffer).getUint32(12, true);

describe("parseIgvm (fuzz)", () => {
  test(`${CASES} mutated files (checksum fixed for most) → digest or ParseError/ConfigError`, () => {
    const rand = createRandom(0x1671);
    const outcomes = new Map<string, number>();
    for (let i = 0; i < CASES; i++) {
      let file = mutate(BASE, rand, rand(4) === 0 ? 0 : 24);
      if (rand(3) === 0) file = file.subarray(0, rand(file.length + 1)).slice();
      if (rand(8) !== 0) fixChecksum(file);
      const outcome = expectOnlyInputErrors(() => computeIgvmSnpLaunchDigest(file));
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    expect([...outcomes.values()].reduce((a, b) => a + b, 0)).toBe(CASES);
    expect(outcomes.get("ok")).toBeGreaterThan(0);
    expect(outcomes.get("igvm_malformed")).toBeGreaterThan(0);
  });

  test(`${CASES / 4} random headers behind a valid magic → ParseError or a parse`, () => {
    const rand = createRandom(7);
    for (let i = 0; i < CASES / 4; i++) {
      const file = BASE.slice();
      for (let j = 24; j < HEADERS_END; j++) if (rand(4) === 0) file[j] = rand(256);
      expectOnlyInputErrors(() => parseIgvm(fixChecksum(file)));
    }
  });
});
