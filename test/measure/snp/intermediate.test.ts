// Intermediate values of test/testdata/measurement/README.md: hashes, hash table, LD trace, VMSA page hashes.

import { describe, expect, test } from "bun:test";
import { toHex, utf8 } from "../../../src/common/bytes.ts";
import { sha256, sha384 } from "../../../src/common/digest.ts";
import { buildKernelHashesPage, buildSevHashTable } from "../../../src/measure/snp/kernel-hashes.ts";
import { computeSnpOvmfHash, traceSnpLaunchDigest } from "../../../src/measure/snp/snp-launch-digest.ts";
import { resolveVcpuSignature } from "../../../src/measure/snp/vcpu-types.ts";
import { BSP_EIP, buildVmsaPage } from "../../../src/measure/snp/vmsa.ts";
import { loadFixture } from "./testdata.ts";

const SNP1_CMDLINE = "console=ttyS0 loglevel=7";
const SNP1_TABLE =
  "06d63894224fc94cb479a793d411fd21a800d82dd09720bd944caa78e7714d36ab2a3200321c8eec6a77bad179511397f913a083067ad8cb737bb260aacbfe8df70fc50a31f7ba442f3ad74b9af141e29169781d3200e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8553794e74dd2ab7f42b835d5b172d2045b3200e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8550000000000000000";

describe("hash primitives", () => {
  test("sha384 of a zero page → README constant", () => {
    expect(toHex(sha384(new Uint8Array(4096)))).toBe(
      "c0e59a3e3ffbd3b5c75428fb36432facabc745944296ff515f737c4fef4efc64586809f7a16f56354a1eaecf2aa8d774",
    );
  });
  test("sha256 of empty, NUL and the snp-1 cmdline → README constants", () => {
    expect(toHex(sha256(new Uint8Array(0)))).toBe(
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
    expect(toHex(sha256(new Uint8Array(1)))).toBe(
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    );
    expect(toHex(sha256(utf8(`${SNP1_CMDLINE}\0`)))).toBe(
      "321c8eec6a77bad179511397f913a083067ad8cb737bb260aacbfe8df70fc50a",
    );
  });
});

/** The SEV hash table of the snp-1 vector: empty kernel and initrd, its command line. */
const snp1HashTable = () =>
  buildSevHashTable({ kernel: new Uint8Array(0), initrd: new Uint8Array(0), cmdline: SNP1_CMDLINE });

describe("buildSevHashTable", () => {
  test("snp-1 inputs → the 176 README bytes", () => {
    const table = snp1HashTable();
    expect(table.length).toBe(176);
    expect(toHex(table)).toBe(SNP1_TABLE);
  });
  test("absent cmdline → hashed like the empty string", () => {
    const absent = buildSevHashTable({ kernel: new Uint8Array(0) });
    const empty = buildSevHashTable({ kernel: new Uint8Array(0), initrd: new Uint8Array(0), cmdline: "" });
    expect(toHex(absent)).toBe(toHex(empty));
  });
});

describe("buildKernelHashesPage", () => {
  test("table at 0xC00 → README page hash", () => {
    const table = snp1HashTable();
    expect(toHex(sha384(buildKernelHashesPage(table, 0xc00)))).toBe(
      "adbef9bc7385f7a6dcb8774523cf024b403f193a47962309b277c4109aa70b4ba0355d1657b50e9625d5bd1129e7fd27",
    );
  });
  test("table not fitting the page → ConfigError", () => {
    expect(() => buildKernelHashesPage(new Uint8Array(176), 4000)).toThrow(
      expect.objectContaining({ code: "snp_bad_hash_table_location" }),
    );
  });
});

describe("computeSnpOvmfHash", () => {
  test("OvmfX64 suffix → README value", () => {
    expect(toHex(computeSnpOvmfHash(loadFixture("ovmf_OvmfX64_suffix.bin")))).toBe(
      "b91e6fec73d2bcc57ad5fd400a426ce02731c22ea92bc894ce675e7c9921a822977d6cf025b85f8ef4f264bff8839d20",
    );
  });
});

describe("traceSnpLaunchDigest", () => {
  test("snp-1 with one extra AP → README LD after every section and VMSA", () => {
    const steps = traceSnpLaunchDigest(loadFixture("ovmf_AmdSev_suffix.bin"), {
      vcpus: 2,
      vcpuSignature: 0x800f12,
      guestFeatures: 0x21n,
      vmm: "qemu",
      kernel: { kernel: new Uint8Array(0), initrd: new Uint8Array(0), cmdline: SNP1_CMDLINE },
    });
    expect(steps.map((s) => [s.step, s.digest.slice(0, 16)])).toEqual([
      ["firmware", "086e2e9149ebf45a"],
      ["section 0x800000", "411a1360ae4001ab"],
      ["section 0x80a000", "e0b2ff7ad80630d6"],
      ["section 0x80d000", "230c05427474c064"],
      ["section 0x80e000", "17af371be37e5a8f"],
      ["section 0x80f000", "1de7f0d81360fb80"],
      ["section 0x810000", "ce06e9d69b176848"],
      ["section 0x811000", "36fcd572bd473b23"],
      ["vmsa 0", "803f691094946e42"],
      ["vmsa 1", "fdee4756af4d8302"],
    ]);
    expect(steps[7]!.digest).toBe(
      "36fcd572bd473b23cdcce6f078026377e7b2d18ede30fe022d371f062ac1fbd73ba70c6286951b488c864e3ff9392f43",
    );
  });
});

describe("buildVmsaPage", () => {
  // [type, features, BSP page SHA-384, AP page SHA-384] from the README table.
  const rows: [string, bigint, string, string][] = [
    [
      "EPYC-v4",
      0x1n,
      "77920c4c629ff47e90c0e174fc1ad0eb6fa664f88cd4739488058a8c6cb1a77b3856f55378e9518d0da99452d51c553a",
      "8413b852790765a310d95867a8b00bfca3a802b5a80830044b45e253fe96222657e11e53fcf63eb0e0afd722385bf7b4",
    ],
    [
      "EPYC-v4",
      0x21n,
      "ae79efa6efbe1594a2717dfd42af495a0e4ed37b00e529a5fdf349bea04c3513962ffb0c74cf65b0d9a1857271833d6e",
      "180ef2675dc01615d31b3e84ef27a0a69d08bfbbb58ea4f6a0188f08884ab6407591ada42f99749ce9a406fb4e5d8355",
    ],
    [
      "EPYC-Milan",
      0x1n,
      "728af287318db5f3fc4d2357a969483c4225956dc555b514a78d64ee372112d13b3dca8afd02cdbd1c55697d8ce087f5",
      "24d6d6fe1cc2fd76d9504a2e411e2a1e229a6723c94521c373c21dd97514c44895fc07fea07e04b4186d90160c8dad0b",
    ],
    [
      "EPYC-Milan",
      0x21n,
      "c09a66985cec1bc375ace3f0bc319ca50136de70ee7ba4a42b4b3f7df6e05a7b7e9856cdee5f8e27704ba0ac03603938",
      "7fd904e110cb7253355e38ec66408a2184c31b8048ecebbe67b9a3c68fe7fb4040acdd7ffce6ed6e96ad42f418f67fe0",
    ],
    [
      "EPYC-Genoa",
      0x1n,
      "7d39672d1b8a3e38353a8eef23af9a14a850be7b9c80bd29898aff5cd2386719e5ce72ad660a022def56b15e5e0f899e",
      "2eb1a41390605ea8527eded2db4f86244f621bd8b4abd7791e6ea37949d43373d47725b1f20213bb83332de70d646a4f",
    ],
    [
      "EPYC-Genoa",
      0x21n,
      "110f8e4226a9db34ebd226d34e085f834654ef8a7e07ebd904a7f93855fb0d75877e6f8fec663f77fd23fd6fd79fd73b",
      "a390e0b0c4d00e5d1d7b9382013cdd72f0fcbf9456225011b54be8e8b027d253a25d8799eec848bf1d34ba34216d1a87",
    ],
  ];
  let ran = 0;
  for (const [type, features, bsp, ap] of rows) {
    test(`${type} features 0x${features.toString(16)} → README BSP and AP page hashes`, () => {
      const base = { vmm: "qemu" as const, sevFeatures: features, vcpuSignature: resolveVcpuSignature(type) };
      expect(toHex(sha384(buildVmsaPage({ ...base, eip: BSP_EIP })))).toBe(bsp);
      expect(toHex(sha384(buildVmsaPage({ ...base, eip: 0x80b004 })))).toBe(ap);
      ran++;
    });
  }
  test("all 6 README rows ran", () => expect(ran).toBe(6));
});
