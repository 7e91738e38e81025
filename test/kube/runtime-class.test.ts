import { describe, expect, test } from "bun:test";
import { isConfidentialRuntimeClass, platformOfRuntimeClass } from "../../src/kube/runtime-class.ts";

describe("platformOfRuntimeClass", () => {
  const rows: [string, string | undefined][] = [
    ["contrast-cc", undefined],
    ["contrast-cc-metal-qemu-snp", "metal-qemu-snp"],
    ["contrast-cc-metal-qemu-snp-1a2b3c4d", "metal-qemu-snp"],
    ["contrast-cc-metal-qemu-tdx-4c6bca70", "metal-qemu-tdx"],
    ["contrast-cc-sim-62c43ba5", "sim"],
  ];
  for (const [name, platform] of rows) {
    test(`${name} → ${platform ?? "default platform"}`, () => {
      expect(platformOfRuntimeClass(name)).toBe(platform);
    });
  }
});

describe("isConfidentialRuntimeClass", () => {
  test("contrast-cc prefix → true; kata-cc, missing, non-string → false", () => {
    expect(isConfidentialRuntimeClass("contrast-cc-x")).toBe(true);
    expect(isConfidentialRuntimeClass("kata-cc-isolation")).toBe(false);
    expect(isConfidentialRuntimeClass(undefined)).toBe(false);
    expect(isConfidentialRuntimeClass(3)).toBe(false);
  });
});
