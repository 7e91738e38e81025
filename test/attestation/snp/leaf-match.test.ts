// Tests for matchLeafToReport: SPLs vs REPORTED/CURRENT TCB per layout, chip ID encodings, VLEK shape, product.

import { describe, test } from "bun:test";
import { parseSnpReport, type SnpReport } from "../../../src/attestation/snp/abi.ts";
import type { AmdLeafExtensions } from "../../../src/attestation/snp/leaf-extensions.ts";
import { matchLeafToReport } from "../../../src/attestation/snp/leaf-match.ts";
import { OFF } from "../../../src/attestation/snp/report-layout.ts";
import { view } from "../../../src/common/bytes.ts";
import { VerificationError } from "../../../src/common/errors.ts";
import { expectCode } from "../../support/expect-error.ts";
import { turinReportBytes } from "./testdata.ts";

const CHIP8 = new Uint8Array([0x1e, 0x55, 0x0a, 0x8e, 0xe5, 0xcf, 0x9f, 0x4d]);

/** The Turin-like report, signed by no key, with an 8-byte chip id. */
function turinLikeReport(family: number): SnpReport {
  const b = turinReportBytes(family);
  view(b).setUint32(OFF.signerInfo, 0, true);
  b.fill(0, OFF.chipId, OFF.chipId + 64);
  b.set(CHIP8, OFF.chipId);
  return parseSnpReport(b);
}

const turinLeaf: AmdLeafExtensions = {
  structVersion: 1,
  productName: { product: "Turin", stepping: undefined },
  productNameRaw: "Turin",
  tcb: { fmc: 1, bootloader: 3, tee: 2, snp: 5, microcode: 97 },
  hwId: CHIP8,
  cspId: undefined,
};

describe("matchLeafToReport", () => {
  test("turin leaf vs report decoded with the Turin layout → matches", () => {
    matchLeafToReport(turinLikeReport(0x1a), turinLeaf, "vcek", "Turin");
  });

  test("turin leaf vs the same bytes decoded with the Milan layout → snp_tcb_mismatch", async () => {
    await expectCode(
      () => matchLeafToReport(turinLikeReport(0x19), turinLeaf, "vcek", "Turin"),
      VerificationError,
      "snp_tcb_mismatch",
    );
  });

  test("turin leaf with fmc 2 → snp_tcb_mismatch (fmc is compared)", async () => {
    const leaf = { ...turinLeaf, tcb: { ...turinLeaf.tcb, fmc: 2 } };
    await expectCode(
      () => matchLeafToReport(turinLikeReport(0x1a), leaf, "vcek", "Turin"),
      VerificationError,
      "snp_tcb_mismatch",
    );
  });

  test("8-byte hwID but chip id bytes 8..63 non-zero → snp_chip_id_mismatch", async () => {
    const r = turinLikeReport(0x1a);
    const chipId = r.chipId.slice();
    chipId[40] = 1;
    await expectCode(
      () => matchLeafToReport({ ...r, chipId }, turinLeaf, "vcek", "Turin"),
      VerificationError,
      "snp_chip_id_mismatch",
    );
  });

  test("vcek leaf without hwID → snp_leaf_invalid; vlek leaf without cspID → snp_leaf_invalid", async () => {
    const r = turinLikeReport(0x1a);
    await expectCode(
      () => matchLeafToReport(r, { ...turinLeaf, hwId: undefined }, "vcek", "Turin"),
      VerificationError,
      "snp_leaf_invalid",
    );
    await expectCode(
      () => matchLeafToReport(r, turinLeaf, "vlek", "Turin"),
      VerificationError,
      "snp_leaf_invalid",
    );
  });

  test("leaf productName Genoa for a Turin report → snp_product_mismatch; missing → snp_leaf_invalid", async () => {
    const r = turinLikeReport(0x1a);
    const genoa = {
      ...turinLeaf,
      productName: { product: "Genoa" as const, stepping: "B1" },
      productNameRaw: "Genoa-B1",
    };
    await expectCode(
      () => matchLeafToReport(r, genoa, "vcek", "Turin"),
      VerificationError,
      "snp_product_mismatch",
    );
    const none = { ...turinLeaf, productName: undefined, productNameRaw: "Venice" };
    await expectCode(
      () => matchLeafToReport(r, none, "vcek", "Turin"),
      VerificationError,
      "snp_leaf_invalid",
    );
  });
});
