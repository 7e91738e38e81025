// Table tests for validateSnpReport / assertSnpReport: one passing baseline, one changed field per row.

import { beforeAll, describe, expect, test } from "bun:test";
import type { InitSimDirResult } from "../../../src/attestation/sim/sim-dir.ts";
import { decodeGuestPolicy, decodePlatformInfo } from "../../../src/attestation/snp/policy-bits.ts";
import {
  assertSnpReport,
  type SnpValidateOptions,
  validateSnpReport,
} from "../../../src/attestation/snp/validate.ts";
import { SnpVerifier, type VerifiedSnpReport } from "../../../src/attestation/snp/verify.ts";
import { ConfigError, PolicyError } from "../../../src/common/errors.ts";
import { expectCode } from "../../support/expect-error.ts";
import { createTestSim, HOST_DATA, REPORT_DATA, SIM_TIMEOUT_MS, verifiedVariant } from "../sim/fixture.ts";
import { NO_REVOCATION } from "./no-revocation.ts";
import { NOW_2025, NOW_2026, readSnp } from "./testdata.ts";

let sim: InitSimDirResult;
let baseline: VerifiedSnpReport;
let base: SnpValidateOptions;

beforeAll(async () => {
  sim = await createTestSim();
  baseline = await verifiedVariant(sim);
  base = {
    product: "Milan",
    allowedSigningKeys: ["vcek"],
    measurement: sim.measurement,
    hostData: HOST_DATA,
    allowedHostData: [new Uint8Array(32), HOST_DATA],
    reportData: REPORT_DATA,
    familyId: new Uint8Array(16),
    imageId: new Uint8Array(16),
    reportIdMa: new Uint8Array(32).fill(0xff),
    minimumGuestSvn: 0,
    minimumTcb: sim.tcb,
    guestPolicy: { minimumAbiMajor: 0, minimumAbiMinor: 0 },
    vmpl: 0,
    platformInfo: { allowSmt: true, allowTsme: false, allowTio: false },
    allowedChipIds: [sim.chipId],
    minimumBuild: 29,
    minimumVersion: { major: 1, minor: 55 },
    permitProvisionalFirmware: false,
  };
}, SIM_TIMEOUT_MS);

const ff = (n: number, v = 0xee) => new Uint8Array(n).fill(v);

describe("validateSnpReport option rows", () => {
  test("baseline → no mismatch", () => {
    expect(validateSnpReport(baseline, base)).toEqual([]);
    expect(() => assertSnpReport(baseline, base)).not.toThrow();
  });

  const rows: [string, () => Partial<SnpValidateOptions>, string][] = [
    ["product Genoa", () => ({ product: "Genoa" }), "product: expected Genoa, got Milan"],
    [
      "signing keys vlek only",
      () => ({ allowedSigningKeys: ["vlek"] }),
      "signingKey: expected one of vlek, got vcek",
    ],
    ["other measurement", () => ({ measurement: ff(48) }), "measurement: expected eeee"],
    ["other host data", () => ({ hostData: ff(32) }), "hostData: expected eeee"],
    [
      "host data allow-list without it",
      () => ({ allowedHostData: [ff(32)] }),
      "hostData: expected one of eeee",
    ],
    ["other report data", () => ({ reportData: ff(64) }), "reportData: expected eeee"],
    ["other family id", () => ({ familyId: ff(16) }), "familyId: expected eeee"],
    ["other image id", () => ({ imageId: ff(16) }), "imageId: expected eeee"],
    ["other report id ma", () => ({ reportIdMa: ff(32) }), "reportIdMa: expected eeee"],
    ["guest svn 1", () => ({ minimumGuestSvn: 1 }), "guestSvn: expected >= 1, got 0"],
    ["vmpl 1", () => ({ vmpl: 1 }), "vmpl: expected 1, got 0"],
    ["smt forbidden", () => ({ guestPolicy: { allowSmt: false } }), "policy.smt: expected false, got true"],
    [
      "single socket required",
      () => ({ guestPolicy: { requireSingleSocket: true } }),
      "policy.singleSocket: expected true, got false",
    ],
    [
      "aes-256-xts required",
      () => ({ guestPolicy: { requireMemAes256Xts: true } }),
      "policy.memAes256Xts: expected true, got false",
    ],
    [
      "rapl dis required",
      () => ({ guestPolicy: { requireRaplDis: true } }),
      "policy.raplDis: expected true, got false",
    ],
    [
      "ciphertext hiding required",
      () => ({ guestPolicy: { requireCiphertextHidingDram: true } }),
      "policy.ciphertextHidingDram: expected true, got false",
    ],
    [
      "page swap disable required",
      () => ({ guestPolicy: { requirePageSwapDisable: true } }),
      "policy.pageSwapDisable: expected true, got false",
    ],
    [
      "abi 1.0 required",
      () => ({ guestPolicy: { minimumAbiMajor: 1 } }),
      "policy.abi: expected >= 1.0, got 0.0",
    ],
    [
      "platform smt forbidden",
      () => ({ platformInfo: { allowSmt: false } }),
      "platformInfo.smtEnabled: expected false, got true",
    ],
    [
      "platform ecc required",
      () => ({ platformInfo: { requireEcc: true } }),
      "platformInfo.eccEnabled: expected true, got false",
    ],
    [
      "alias check required",
      () => ({ platformInfo: { requireAliasCheckComplete: true } }),
      "platformInfo.aliasCheckComplete: expected true, got false",
    ],
    ["chip id not allowed", () => ({ allowedChipIds: [ff(64)] }), "chipId: expected one of eeee"],
    ["id block required", () => ({ requireIdBlock: true }), "idKeyDigest: expected an id block"],
    [
      "trusted id key digests",
      () => ({ trustedIdKeyDigests: [ff(48)] }),
      "idKeyDigest: expected an id block",
    ],
    [
      "trusted author key digests",
      () => ({ trustedAuthorKeyDigests: [ff(48)] }),
      "signerInfo.authorKeyEn: expected true, got false",
    ],
    [
      "launch mitigation on a v3 report",
      () => ({ minimumLaunchMitigationVector: 1n }),
      "launchMitVector: expected bits 0x1 set, got a version 3 report",
    ],
    [
      "current mitigation on a v3 report",
      () => ({ minimumCurrentMitigationVector: 2n }),
      "currentMitVector: expected bits 0x2 set",
    ],
    ["minimum build 30", () => ({ minimumBuild: 30 }), "currentVersion.build: expected >= 30, got 29"],
    [
      "minimum version 1.56",
      () => ({ minimumVersion: { major: 1, minor: 56 } }),
      "currentVersion: expected >= 1.56, got 1.55",
    ],
  ];
  for (const [name, change, want] of rows) {
    test(`${name} → exactly one mismatch naming the field`, () => {
      const got = validateSnpReport(baseline, { ...base, ...change() });
      expect(got).toHaveLength(1);
      expect(got[0]!.startsWith(want)).toBe(true);
    });
  }
  test("table size → every row ran", () => expect(rows).toHaveLength(29));

  test("minimum tcb above the report → one mismatch per tcb: reported, committed, launch and current", () => {
    expect(validateSnpReport(baseline, { ...base, minimumTcb: { ...sim.tcb, snp: 25 } })).toEqual([
      "reportedTcb.snp: expected >= 25, got 24",
      "committedTcb.snp: expected >= 25, got 24",
      "launchTcb.snp: expected >= 25, got 24",
      "currentTcb.snp: expected >= 25, got 24",
    ]);
  });

  test("three fields wrong at once → all three reported, and assert throws PolicyError with all", async () => {
    const opts = { ...base, measurement: ff(48), hostData: ff(32), vmpl: 2 };
    expect(validateSnpReport(baseline, opts)).toHaveLength(3);
    const err = (await expectCode(
      () => assertSnpReport(baseline, opts),
      PolicyError,
      "snp_policy_mismatch",
    )) as PolicyError;
    expect(err.mismatches.map((m) => m.split(":")[0])).toEqual(["measurement", "hostData", "vmpl"]);
  });

  test("option byte field of the wrong size → ConfigError snp_validate_options", async () => {
    await expectCode(
      () => validateSnpReport(baseline, { measurement: ff(47) }),
      ConfigError,
      "snp_validate_options",
    );
    await expectCode(
      () => validateSnpReport(baseline, { allowedChipIds: [ff(8)] }),
      ConfigError,
      "snp_validate_options",
    );
  });
});

describe("validateSnpReport report rows (sim-signed variants)", () => {
  const rows: [string, Parameters<typeof verifiedVariant>[1], string][] = [
    [
      "debug allowed in policy",
      (f) => ({ ...f, policy: decodeGuestPolicy(0xb0000) }),
      "policy.debug: expected false, got true",
    ],
    [
      "migration agent allowed",
      (f) => ({ ...f, policy: decodeGuestPolicy(0x70000) }),
      "policy.migrateMa: expected false, got true",
    ],
    [
      "cxl allowed",
      (f) => ({ ...f, policy: decodeGuestPolicy(0x230000) }),
      "policy.cxlAllowed: expected false, got true",
    ],
    ["vmpl 2", (f) => ({ ...f, vmpl: 2 }), "vmpl: expected 0, got 2"],
    [
      "tsme on",
      (f) => ({ ...f, platformInfo: decodePlatformInfo(0x3n) }),
      "platformInfo.tsmeEnabled: expected false, got true",
    ],
    [
      "launch tcb below minimum",
      (f) => ({ ...f, launchTcb: { ...f.launchTcb, snp: 20 } }),
      "launchTcb.snp: expected >= 24, got 20",
    ],
    [
      "committed below current, provisional not permitted",
      (f) => ({
        ...f,
        committedTcb: { ...f.committedTcb, microcode: 219 },
        currentTcb: { ...f.currentTcb, microcode: 220 },
      }),
      "committedTcb.microcode: expected == currentTcb.microcode 220, got 219",
    ],
    [
      "committed firmware older",
      (f) => ({ ...f, committedVersion: { major: 1, minor: 55, build: 28 } }),
      "committedVersion: expected == 1.55.29, got 1.55.28",
    ],
    ["family id set", (f) => ({ ...f, familyId: ff(16, 1) }), "familyId: expected 0000"],
  ];
  for (const [name, edit, want] of rows) {
    test(`${name} → one mismatch naming the field`, async () => {
      const got = validateSnpReport(await verifiedVariant(sim, edit), base);
      expect(got).toHaveLength(1);
      expect(got[0]!.startsWith(want)).toBe(true);
    });
  }

  test("debug allowed explicitly → no debug mismatch", async () => {
    const v = await verifiedVariant(sim, (f) => ({ ...f, policy: decodeGuestPolicy(0xb0000) }));
    expect(validateSnpReport(v, { ...base, guestPolicy: { allowDebug: true } })).toEqual([]);
  });

  test("v5 report with mitigation vectors → required bits checked", async () => {
    const v = await verifiedVariant(sim, (f) => ({
      ...f,
      version: 5,
      launchMitVector: 0x3n,
      currentMitVector: 0x1n,
    }));
    expect(
      validateSnpReport(v, {
        ...base,
        minimumLaunchMitigationVector: 0x3n,
        minimumCurrentMitigationVector: 0x1n,
      }),
    ).toEqual([]);
    expect(validateSnpReport(v, { ...base, minimumCurrentMitigationVector: 0x3n })).toEqual([
      "currentMitVector: expected bits 0x3 set, got 0x1",
    ]);
  });

  test("author key enabled with a trusted digest → valid; other digest → mismatch", async () => {
    const digest = ff(48, 0x42);
    const v = await verifiedVariant(sim, (f) => ({
      ...f,
      signerInfo: { ...f.signerInfo, authorKeyEn: true },
      authorKeyDigest: digest,
      idKeyDigest: ff(48, 0x41),
    }));
    expect(
      validateSnpReport(v, {
        ...base,
        trustedAuthorKeyDigests: [digest],
        trustedIdKeyDigests: [ff(48, 0x41)],
      }),
    ).toEqual([]);
    expect(validateSnpReport(v, { ...base, trustedAuthorKeyDigests: [ff(48)] })[0]).toStartWith(
      "authorKeyDigest: expected one of",
    );
  });

  test("policy abi 0.31 → meets a 0.31 minimum, fails a 0.32 minimum", async () => {
    const v = await verifiedVariant(sim, (f) => ({ ...f, policy: decodeGuestPolicy(0x3001f) }));
    expect(validateSnpReport(v, { ...base, guestPolicy: { minimumAbiMinor: 31 } })).toEqual([]);
    expect(validateSnpReport(v, { ...base, guestPolicy: { minimumAbiMinor: 32 } })).toEqual([
      "policy.abi: expected >= 0.32, got 0.31",
    ]);
  });
});

describe("validateSnpReport on real vectors", () => {
  const verifier = new SnpVerifier();
  const real = (report: string, leaf: string, now: Date) =>
    verifier.verify({ revocation: NO_REVOCATION, report: readSnp(report), leaf: readSnp(leaf), now });

  test("gosevguest report (policy 0xb0000) with default options → rejected", async () => {
    const v = await real("milan_v2_gosevguest_report.bin", "milan_v2_gosevguest_vcek.der", NOW_2026);
    expect(validateSnpReport(v, {})).toEqual(["policy.debug: expected false, got true"]);
  });

  test("aws vlek report (vmpl 1) with default vmpl 0 → rejected; with vmpl 1 → valid", async () => {
    const v = await real("milan_v3_vlek_aws_report.bin", "milan_v3_vlek_aws_vlek.der", NOW_2025);
    expect(validateSnpReport(v, {})).toEqual(["vmpl: expected 0, got 1"]);
    expect(validateSnpReport(v, { vmpl: 1 })).toEqual([]);
  });

  test("coco report: id key digest trusted → valid; provisional firmware forbidden → committed tcb mismatch", async () => {
    const v = await real("milan_v2_coco_report.bin", "milan_v2_coco_vcek.der", NOW_2026);
    const opts = {
      trustedIdKeyDigests: [v.report.idKeyDigest],
      minimumTcb: { bootloader: 3, tee: 0, snp: 8, microcode: 115 },
    };
    expect(validateSnpReport(v, opts)).toEqual([]);
    expect(validateSnpReport(v, { ...opts, trustedIdKeyDigests: [ff(48)] })[0]).toStartWith(
      "idKeyDigest: expected one of",
    );
    expect(validateSnpReport(v, { ...opts, permitProvisionalFirmware: false })).toEqual([
      "committedTcb.microcode: expected == currentTcb.microcode 206, got 115",
    ]);
  });

  test("virtee and genoa reports with their own tcb and measurement → valid", async () => {
    for (const [report, leaf] of [
      ["milan_v2_virtee_report.bin", "milan_v2_virtee_vcek.der"],
      ["genoa_v3_coco_e2e_report.bin", "genoa_v3_coco_e2e_vcek.der"],
    ] as const) {
      const v = await real(report, leaf, NOW_2026);
      const opts = {
        measurement: v.report.measurement,
        minimumTcb: v.leafTcb,
        permitProvisionalFirmware: false,
      };
      expect(validateSnpReport(v, opts)).toEqual([]);
    }
  });
});
