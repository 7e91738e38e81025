// Fuzzes the OVMF footer table and SEV metadata parsers (fixed seed): malformed input → ParseError, never a crash or hang.

import { describe, expect, test } from "bun:test";
import { parseOvmfSevInfo } from "../../../src/measure/snp/ovmf-sev.ts";
import { computeSnpLaunchDigest } from "../../../src/measure/snp/snp-launch-digest.ts";
import { createRandom, expectOnlyInputErrors, mutate } from "./fuzz-util.ts";
import { loadFixture } from "./testdata.ts";

const CASES = 4000;
const FIXTURES = [loadFixture("ovmf_AmdSev_suffix.bin"), loadFixture("ovmf_OvmfX64_suffix.bin")];
const KERNEL = { kernel: new Uint8Array(0), initrd: new Uint8Array(0), cmdline: "" };

describe("parseOvmfSevInfo (fuzz)", () => {
  test(`${CASES} mutated firmware tails → parse or ParseError, digest when small`, () => {
    const rand = createRandom(0x5e5);
    const outcomes = new Map<string, number>();
    let digests = 0;
    for (let i = 0; i < CASES; i++) {
      const img = mutate(FIXTURES[i % 2]!, rand, 4096 - 0xa00);
      const outcome = expectOnlyInputErrors(() => {
        const info = parseOvmfSevInfo(img);
        const pages = info.sections.reduce((n, s) => n + s.size / 4096, 0);
        if (pages > 4096) return;
        computeSnpLaunchDigest(img, {
          vcpus: 2,
          vcpuSignature: 0x800f12,
          guestFeatures: 1n,
          vmm: "qemu",
          kernel: rand(2) ? KERNEL : undefined,
        });
        digests++;
      });
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    expect([...outcomes.values()].reduce((a, b) => a + b, 0)).toBe(CASES);
    expect(outcomes.get("ovmf_bad_metadata")).toBeGreaterThan(0);
    expect(outcomes.get("ovmf_bad_footer")).toBeGreaterThan(0);
    expect(digests).toBeGreaterThan(0);
  });

  test(`${CASES / 4} random images → parse or ParseError`, () => {
    const rand = createRandom(42);
    for (let i = 0; i < CASES / 4; i++) {
      const img = new Uint8Array(4096 * (1 + rand(2))).map(() => rand(256));
      expectOnlyInputErrors(() => parseOvmfSevInfo(img));
    }
  });
});
