// Tests for parseSnpReport / encodeSnpReport: real vectors, strictness per version, TCB layouts.

import { describe, expect, test } from "bun:test";
import { encodeSnpReport, parseSnpReport, type SnpReport } from "../../../src/attestation/snp/abi.ts";
import { decodePlatformInfo } from "../../../src/attestation/snp/policy-bits.ts";
import { OFF } from "../../../src/attestation/snp/report-layout.ts";
import { toHex, view } from "../../../src/common/bytes.ts";
import { ParseError } from "../../../src/common/errors.ts";
import { expectError } from "../../support/expect-error.ts";
import { GOOD_REPORTS, readSnp, turinReportBytes } from "./testdata.ts";

function expectParseError(bytes: Uint8Array, code: string): void {
  expectError(() => parseSnpReport(bytes), ParseError, code);
}

function patched(base: Uint8Array, edit: (b: Uint8Array) => void): Uint8Array {
  const b = base.slice();
  edit(b);
  return b;
}

describe("parseSnpReport", () => {
  test("every good vector → fields the README states", () => {
    let ran = 0;
    for (const g of GOOD_REPORTS) {
      const r = parseSnpReport(readSnp(g.report));
      expect(r.version).toBe(g.version);
      expect(toHex(r.measurement)).toBe(g.measurement);
      expect(r.reportedTcb).toEqual(g.reportedTcb);
      expect(r.policyRaw).toBe(g.policyRaw);
      expect(r.vmpl).toBe(g.vmpl);
      expect(r.signerInfo.signingKey).toBe(g.signingKey);
      expect(r.tcbLayout).toBe("milan");
      ran++;
    }
    expect(ran).toBe(5);
  });

  test("milan v2 coco report → id block fields, firmware versions, current tcb above reported", () => {
    const r = parseSnpReport(readSnp("milan_v2_coco_report.bin"));
    expect(r.guestSvn).toBe(4);
    expect(r.policy.abiMinor).toBe(31);
    expect(r.policy.smt).toBe(true);
    expect(toHex(r.familyId)).toBe(`01${"00".repeat(15)}`);
    expect(toHex(r.imageId)).toBe(`02${"00".repeat(15)}`);
    expect(toHex(r.idKeyDigest)).toBe(
      "0356215882a825279a85b300b0b742931d113bf7e32dde2e50ffde7ec743ca491ecdd7f336dc28a6e0b2bb57af7a44a3",
    );
    expect(r.currentTcb).toEqual({ bootloader: 3, tee: 0, snp: 8, microcode: 206 });
    expect(r.committedTcb).toEqual({ bootloader: 3, tee: 0, snp: 8, microcode: 115 });
    expect(r.currentVersion).toEqual({ major: 1, minor: 52, build: 4 });
    expect(r.cpuid).toBeUndefined();
    expect(r.product).toBeUndefined();
  });

  test("aws vlek v3 report → cpuid, masked chip id, platform info 0x27, tcbs", () => {
    const r = parseSnpReport(readSnp("milan_v3_vlek_aws_report.bin"));
    expect(r.cpuid).toEqual({ family: 0x19, model: 0x01, stepping: 1 });
    expect(r.product).toBe("Milan");
    expect(r.platformInfo.raw).toBe(0x27n);
    expect(r.platformInfo.smtEnabled && r.platformInfo.tsmeEnabled && r.platformInfo.eccEnabled).toBe(true);
    expect(r.platformInfo.aliasCheckComplete).toBe(true);
    expect(r.chipId.every((b) => b === 0)).toBe(true);
    expect(r.currentTcb).toEqual({ bootloader: 4, tee: 0, snp: 24, microcode: 220 });
    expect(r.launchTcb).toEqual({ bootloader: 4, tee: 0, snp: 24, microcode: 219 });
    expect(r.currentVersion).toEqual({ major: 1, minor: 55, build: 29 });
  });

  test("genoa model 0xA0 report → product Genoa", () => {
    const r = parseSnpReport(readSnp("genoa_v3_coco_e2e_report.bin"));
    expect(r.cpuid).toEqual({ family: 0x19, model: 0xa0, stepping: 2 });
    expect(r.product).toBe("Genoa");
    expect(r.currentVersion).toEqual({ major: 1, minor: 55, build: 40 });
  });

  // The testdata README calls 0xb0000 "MIGRATE_MA=1"; by the ABI table (AMD SEV-SNP Firmware ABI #56860, guest policy) 0xb0000 sets bits 16, 17
  // and 19, i.e. SMT and DEBUG — bit 18 (MIGRATE_MA) is clear. Either way a default policy rejects it.
  test("gosevguest report → report data 0102030405 + zeros, policy 0xb0000 = smt + debug", () => {
    const r = parseSnpReport(readSnp("milan_v2_gosevguest_report.bin"));
    expect(toHex(r.reportData)).toBe(`0102030405${"00".repeat(59)}`);
    expect(r.policy.smt).toBe(true);
    expect(r.policy.debug).toBe(true);
    expect(r.policy.migrateMa).toBe(false);
    expect(r.reportIdMa.every((b) => b === 0xff)).toBe(true);
  });

  test("result bytes are copies → mutating the input does not change the report", () => {
    const bytes = readSnp("milan_v2_virtee_report.bin");
    const r = parseSnpReport(bytes);
    const before = toHex(r.measurement);
    bytes[OFF.measurement] = bytes[OFF.measurement]! ^ 0xff;
    expect(toHex(r.measurement)).toBe(before);
    expect(r.raw).not.toBe(bytes);
  });

  const base = readSnp("milan_v3_vlek_aws_report.bin");
  const le32 = (off: number, v: number) => (b: Uint8Array) => view(b).setUint32(off, v, true);
  const rows: [string, (b: Uint8Array) => void, string][] = [
    ["version 1", le32(OFF.version, 1), "snp_report_version"],
    ["version 6", le32(OFF.version, 6), "snp_report_version"],
    ["policy bit 17 clear", le32(OFF.policy, 0x10000), "snp_policy_invalid"],
    ["policy bit 26 set", le32(OFF.policy, 0x4030000), "snp_policy_invalid"],
    ["policy bit 63 set", (b) => (b[OFF.policy + 7] = 0x80), "snp_policy_invalid"],
    ["signature algo 2", le32(OFF.signatureAlgo, 2), "snp_signature_algo"],
    ["signing key 2", le32(OFF.signerInfo, 2 << 2), "snp_signer_info_invalid"],
    ["signing key 6", le32(OFF.signerInfo, 6 << 2), "snp_signer_info_invalid"],
    ["signer info bit 5", le32(OFF.signerInfo, 1 << 5), "snp_signer_info_invalid"],
    ["reserved 0x4c", (b) => (b[0x4c] = 1), "snp_reserved_nonzero"],
    ["reserved 0x18b (v3)", (b) => (b[0x18b] = 1), "snp_reserved_nonzero"],
    ["reserved 0x19f (v3)", (b) => (b[0x19f] = 1), "snp_reserved_nonzero"],
    ["reserved 0x1eb", (b) => (b[0x1eb] = 1), "snp_reserved_nonzero"],
    ["reserved 0x1ef", (b) => (b[0x1ef] = 1), "snp_reserved_nonzero"],
    ["mitigation vector in v3", (b) => (b[0x1f8] = 1), "snp_reserved_nonzero"],
    ["reserved 0x29f", (b) => (b[0x29f] = 1), "snp_reserved_nonzero"],
    ["signature r high bytes", (b) => (b[OFF.signatureR + 48] = 1), "snp_reserved_nonzero"],
    ["signature s high bytes", (b) => (b[OFF.signatureS + 71] = 1), "snp_reserved_nonzero"],
    ["signature tail", (b) => (b[0x49f] = 1), "snp_reserved_nonzero"],
  ];
  for (const [name, edit, code] of rows) {
    test(`${name} → ${code}`, () => expectParseError(patched(base, edit), code));
  }
  test("baseline of the strictness table → parses", () => {
    expect(parseSnpReport(base).version).toBe(3);
  });

  test("wrong lengths → snp_report_length", () => {
    for (const n of [0, 1183, 1185, 4000]) expectParseError(new Uint8Array(n), "snp_report_length");
  });

  test("v2 report with cpuid bytes → snp_reserved_nonzero (0x188 is reserved in v2)", () => {
    const v2 = readSnp("milan_v2_virtee_report.bin");
    expectParseError(
      patched(v2, (b) => (b[0x188] = 0x19)),
      "snp_reserved_nonzero",
    );
  });

  test("version 4 → accepted like version 3", () => {
    const r = parseSnpReport(patched(base, le32(OFF.version, 4)));
    expect(r.version).toBe(4);
    expect(r.launchMitVector).toBeUndefined();
  });

  test("version 5 with mitigation vectors → decoded", () => {
    const b = patched(base, (x) => {
      view(x).setUint32(OFF.version, 5, true);
      view(x).setBigUint64(OFF.launchMitVector, 0x5n, true);
      view(x).setBigUint64(OFF.currentMitVector, 0x7n, true);
    });
    const r = parseSnpReport(b);
    expect(r.launchMitVector).toBe(5n);
    expect(r.currentMitVector).toBe(7n);
    expectParseError(
      patched(b, (x) => (x[0x208] = 1)),
      "snp_reserved_nonzero",
    );
  });

  test("unknown platform info bits (Turin sets bit 6) → tolerated and kept in raw", () => {
    const r = parseSnpReport(
      patched(base, (b) => view(b).setBigUint64(OFF.platformInfo, 0x65n | (1n << 40n), true)),
    );
    expect(r.platformInfo.raw).toBe(0x65n | (1n << 40n));
    expect(r.platformInfo.aliasCheckComplete).toBe(true);
  });

  test("signing key 7 (none) → parses as unsigned", () => {
    expect(parseSnpReport(patched(base, le32(OFF.signerInfo, 7 << 2))).signerInfo.signingKey).toBe("none");
  });
});

function turinReport(family: number): SnpReport {
  return parseSnpReport(turinReportBytes(family));
}

describe("parseSnpReport TCB layout", () => {
  test("family 1Ah → Turin layout: fmc 1, bl 3, tee 2, snp 5, ucode 97", () => {
    const r = turinReport(0x1a);
    expect(r.product).toBe("Turin");
    expect(r.tcbLayout).toBe("turin");
    expect(r.reportedTcb).toEqual({ fmc: 1, bootloader: 3, tee: 2, snp: 5, microcode: 97 });
  });

  test("same bytes under family 19h → Milan layout decodes different values (the bug the layout choice prevents)", () => {
    const r = turinReport(0x19);
    expect(r.tcbLayout).toBe("milan");
    expect(r.reportedTcb).toEqual({ bootloader: 1, tee: 3, snp: 0, microcode: 97 });
    expect(r.reportedTcb).not.toEqual(turinReport(0x1a).reportedTcb);
  });

  test("v2 report without product hint and an 8-byte chip id → Turin heuristic; with hint Milan → Milan", () => {
    const b = readSnp("milan_v2_virtee_report.bin");
    b.fill(0, OFF.chipId + 8, OFF.chipId + 64);
    expect(parseSnpReport(b).tcbLayout).toBe("turin");
    expect(parseSnpReport(b, { product: "Milan" }).tcbLayout).toBe("milan");
    expect(parseSnpReport(readSnp("milan_v2_virtee_report.bin")).tcbLayout).toBe("milan");
  });

  test("v2 report with product hint Turin → Turin layout, product Turin", () => {
    const r = parseSnpReport(readSnp("milan_v2_virtee_report.bin"), { product: "Turin" });
    expect(r.tcbLayout).toBe("turin");
    expect(r.product).toBe("Turin");
  });
});

describe("encodeSnpReport", () => {
  test("parse → encode of every real report → byte-identical", () => {
    let ran = 0;
    for (const g of GOOD_REPORTS) {
      const bytes = readSnp(g.report);
      expect(toHex(encodeSnpReport(parseSnpReport(bytes)))).toBe(toHex(bytes));
      ran++;
    }
    expect(ran).toBe(5);
  });

  test("turin layout round trip → identical tcb bytes", () => {
    const r = turinReport(0x1a);
    expect(toHex(encodeSnpReport(r))).toBe(toHex(r.raw));
  });

  test("changed measurement → only the measurement bytes differ", () => {
    const r = parseSnpReport(readSnp("milan_v2_virtee_report.bin"));
    const m = new Uint8Array(48).fill(0xaa);
    const out = encodeSnpReport({
      ...r,
      measurement: m,
      platformInfo: decodePlatformInfo(r.platformInfo.raw),
    });
    expect(toHex(out.subarray(OFF.measurement, OFF.measurement + 48))).toBe("aa".repeat(48));
    out.set(r.measurement, OFF.measurement);
    expect(toHex(out)).toBe(toHex(r.raw));
  });

  test("field of the wrong size → RangeError", () => {
    const r = parseSnpReport(readSnp("milan_v2_virtee_report.bin"));
    expect(() => encodeSnpReport({ ...r, hostData: new Uint8Array(31) })).toThrow(RangeError);
  });
});
