// The TEE platform registry: one consistent entry per platform.

import { describe, expect, test } from "bun:test";
import { isTee, TEE_NAMES, TEE_PLATFORMS, teeOfTsmProvider } from "../../src/attestation/platforms.ts";

describe("TEE_PLATFORMS", () => {
  test("each entry → named by its key, found by its own configfs-tsm provider", () => {
    for (const name of TEE_NAMES) {
      expect(TEE_PLATFORMS[name].name).toBe(name);
      expect(teeOfTsmProvider(TEE_PLATFORMS[name].tsmProvider)).toBe(name);
      expect(isTee(name)).toBe(true);
    }
    expect(teeOfTsmProvider("arm_cca_guest")).toBeUndefined();
    expect(isTee("sim")).toBe(false);
  });

  test("initdata binding of a SHA-256 digest → SNP HOST_DATA as is, TDX MRCONFIGID zero-padded to 48 bytes", () => {
    const digest = new Uint8Array(32).fill(7);
    expect([...TEE_PLATFORMS.snp.initdataBinding.expected(digest)]).toEqual([...digest]);
    const tdx = TEE_PLATFORMS.tdx.initdataBinding.expected(digest);
    expect(tdx.length).toBe(48);
    expect([...tdx.subarray(0, 32)]).toEqual([...digest]);
    expect(tdx.subarray(32).every((b) => b === 0)).toBe(true);
  });

  test("a configfs-tsm TDX report → TDX evidence without host certificates", () => {
    const quote = new Uint8Array([1, 2, 3]);
    expect(TEE_PLATFORMS.tdx.evidenceFromTsm(quote, new Uint8Array([9]))).toEqual({
      platform: "tdx",
      report: quote,
      certs: {},
    });
  });
});
