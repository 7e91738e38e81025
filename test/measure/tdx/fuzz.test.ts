// Fuzzes the TDVF metadata parser and MRTD (fixed seed): malformed descriptors → ParseError, never a crash or hang.

import { describe, expect, test } from "bun:test";
import { computeMrtd } from "../../../src/measure/tdx/mrtd.ts";
import { parseTdvfMetadata } from "../../../src/measure/tdx/tdvf-metadata.ts";
import { createRandom, expectOnlyInputErrors, mutate } from "../snp/fuzz-util.ts";
import { loadFixture } from "../snp/testdata.ts";
import { buildTdvfImage, DESCRIPTOR_FROM_END, SAMPLE_SECTIONS, SAMPLE_SIZE } from "./build-tdvf.ts";

const CASES = 4000;
const SIZE = SAMPLE_SIZE;
/** BFV, CFV and TEMP_MEM of the sample image. */
const IMAGE = buildTdvfImage(SIZE, SAMPLE_SECTIONS.slice(0, 3));

describe("parseTdvfMetadata (fuzz)", () => {
  test(`${CASES} mutated descriptors and footers → MRTD or ParseError`, () => {
    const rand = createRandom(0x7d7f);
    const fixtures = [IMAGE, loadFixture("ovmf_AmdSev_suffix.bin")];
    const outcomes = new Map<string, number>();
    for (let i = 0; i < CASES; i++) {
      const base = fixtures[i % 2]!;
      const from = base === IMAGE ? SIZE - DESCRIPTOR_FROM_END : base.length - 0xa00;
      const img = mutate(base, rand, from);
      const outcome = expectOnlyInputErrors(() => {
        const pages = parseTdvfMetadata(img).reduce((n, s) => n + s.memoryDataSize / 4096, 0);
        if (pages <= 4096) computeMrtd(img, { pageOrder: rand(2) ? "single-pass" : "two-pass" });
      });
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    expect([...outcomes.values()].reduce((a, b) => a + b, 0)).toBe(CASES);
    expect(outcomes.get("ok")).toBeGreaterThan(0);
    expect(outcomes.get("tdvf_bad_metadata")).toBeGreaterThan(0);
  });
});
