import { beforeAll, describe, expect, test } from "bun:test";
import { isSimulated } from "../../src/manifest/is-simulated.ts";
import { missingUserValues } from "../../src/manifest/missing-user-values.ts";
import { parseManifest } from "../../src/manifest/parse-manifest.ts";
import { serializeManifest } from "../../src/manifest/serialize-manifest.ts";
import { baseline, bytesOf, makeKeys } from "./baseline.ts";

let keys: { owner: string; seedshare: string };
beforeAll(async () => {
  keys = await makeKeys();
});

describe("serializeManifest", () => {
  test("parse → serialize → parse → identical text (stable)", () => {
    const first = serializeManifest(parseManifest(bytesOf(baseline(keys))).manifest);
    const second = serializeManifest(parseManifest(new TextEncoder().encode(first)).manifest);
    expect(second).toBe(first);
    expect(first.endsWith("}\n")).toBe(true);
    expect(first.split("\n")[1]).toBe('  "Policies": {');
  });

  test("policies and key lists → sorted; reference field order kept", () => {
    const m = baseline(keys);
    const b = "b".repeat(64);
    const entry = m.Policies[b];
    delete m.Policies[b];
    m.Policies = { [b]: entry, ...m.Policies };
    const text = serializeManifest(parseManifest(bytesOf(m)).manifest);
    expect(text.indexOf("a".repeat(64))).toBeLessThan(text.indexOf(b));
    const snp = JSON.parse(text).ReferenceValues.snp[0];
    expect(Object.keys(snp).slice(0, 4)).toEqual([
      "Platform",
      "ProductName",
      "TrustedMeasurement",
      "MinimumTCB",
    ]);
  });
});

describe("serializeManifest AllowMissingCRL", () => {
  test("AllowMissingCRL on snp and tdx entries → kept through serialize, last in the snp entry", () => {
    const m = baseline(keys);
    m.ReferenceValues.snp[0].AllowMissingCRL = true;
    if (m.ReferenceValues.tdx?.[0]) m.ReferenceValues.tdx[0].AllowMissingCRL = false;
    const text = serializeManifest(parseManifest(bytesOf(m)).manifest);
    const back = JSON.parse(text).ReferenceValues;
    expect(back.snp[0].AllowMissingCRL).toBe(true);
    expect(Object.keys(back.snp[0]).at(-1)).toBe("AllowMissingCRL");
    if (back.tdx) expect(back.tdx[0].AllowMissingCRL).toBe(false);
  });
});

describe("isSimulated", () => {
  test("snp entry with SimulatedARK → true; without → false", () => {
    const m = baseline(keys);
    expect(isSimulated(parseManifest(bytesOf(m)).manifest)).toBe(true);
    delete m.ReferenceValues.snp[0].SimulatedARK;
    expect(isSimulated(parseManifest(bytesOf(m)).manifest)).toBe(false);
  });
});

describe("missingUserValues", () => {
  test("complete manifest → no hints", () => {
    expect(missingUserValues(parseManifest(bytesOf(baseline(keys))).manifest)).toEqual([]);
  });
});
