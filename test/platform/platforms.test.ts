import { describe, expect, test } from "bun:test";
import { ConfigError } from "../../src/common/errors.ts";
import { listPlatforms, parsePlatform } from "../../src/platform/platforms.ts";
import { expectError } from "../support/expect-error.ts";

describe("parsePlatform", () => {
  const cases: [string, string][] = [
    ["CLH-SNP", "CLH-SNP"],
    ["clh-snp", "CLH-SNP"],
    ["Metal-QEMU-SNP", "Metal-QEMU-SNP"],
    ["METAL-QEMU-TDX", "Metal-QEMU-TDX"],
    [" metal-qemu-tdx ", "Metal-QEMU-TDX"],
  ];
  for (const [input, want] of cases) {
    test(`${JSON.stringify(input)} → ${want}`, () => expect(parsePlatform(input).name).toBe(want as never));
  }

  for (const bad of ["", "AKS-CLH-SNP", "Metal-QEMU-SNP-GPU", "snp", "K3s-QEMU-TDX"]) {
    test(`${JSON.stringify(bad)} → ConfigError unknown_platform`, () => {
      expectError(() => parsePlatform(bad), ConfigError, "unknown_platform");
    });
  }

  test("table ids are the lower-case names → handler prefixes are stable", () => {
    expect(listPlatforms().map((p) => p.id)).toEqual(["clh-snp", "metal-qemu-snp", "metal-qemu-tdx"]);
    for (const p of listPlatforms()) expect(p.id).toBe(p.name.toLowerCase());
  });
});
