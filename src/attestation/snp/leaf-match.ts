// Matching the VCEK/VLEK extensions against the signed report: SPLs, chip ID, cspID, product (AMD VCEK/KDS interface spec #57230, VCEK/VLEK extensions; google/go-sev-guest verify).

import { constantTimeEqual, isAllZero, toHex } from "../../common/bytes.ts";
import type { VerificationCode } from "../../common/codes.ts";
import { VerificationError } from "../../common/errors.ts";
import type { SnpReport } from "./abi.ts";
import type { SnpSigningKey } from "./chain.ts";
import type { AmdLeafExtensions } from "./leaf-extensions.ts";
import type { SnpProduct } from "./product.ts";
import { formatTcb, tcbComponentsBelow, tcbComponentsDiffering } from "./tcb.ts";

function mismatch(code: VerificationCode, field: string, message: string): never {
  throw new VerificationError(code, `${field}: ${message}`, { field });
}

/** Throws `VerificationError` unless the certificate fits the report it signed. */
export function matchLeafToReport(
  report: SnpReport,
  ext: AmdLeafExtensions,
  kind: SnpSigningKey,
  product: SnpProduct,
): void {
  matchProductName(ext, product);
  const layout = report.tcbLayout;
  // Rule 1: the VCEK is derived for REPORTED_TCB, so every SPL must be equal (incl. fmc on Turin).
  const differing = tcbComponentsDiffering(ext.tcb, report.reportedTcb, layout);
  if (differing.length > 0) {
    mismatch(
      "snp_tcb_mismatch",
      "reportedTcb",
      `expected ${formatTcb(ext.tcb)} (leaf spls), got ${formatTcb(report.reportedTcb)} (differs in ${differing.join(", ")})`,
    );
  }
  // Rule 2: the certified TCB may not exceed what the firmware is actually running.
  const above = tcbComponentsBelow(report.currentTcb, ext.tcb, layout);
  if (above.length > 0) {
    mismatch(
      "snp_tcb_mismatch",
      "currentTcb",
      `expected >= ${formatTcb(ext.tcb)} (leaf spls), got ${formatTcb(report.currentTcb)}`,
    );
  }
  if (kind === "vcek") matchChipId(report, ext);
  else if (ext.hwId !== undefined || ext.cspId === undefined) {
    mismatch("snp_leaf_invalid", "leaf.cspID", "expected a vlek with cspID and without hwID");
  }
}

function matchProductName(ext: AmdLeafExtensions, product: SnpProduct): void {
  if (!ext.productName) {
    mismatch(
      "snp_leaf_invalid",
      "leaf.productName",
      `expected Milan, Genoa or Turin with optional stepping, got ${JSON.stringify(ext.productNameRaw ?? null)}`,
    );
  }
  if (ext.productName.product !== product) {
    mismatch(
      "snp_product_mismatch",
      "leaf.productName",
      `expected ${product}, got ${JSON.stringify(ext.productNameRaw)}`,
    );
  }
}

/** Rule 3: hwID equals CHIP_ID, all 64 bytes, or the first 8 with the rest zero (Turin). */
function matchChipId(report: SnpReport, ext: AmdLeafExtensions): void {
  if (report.signerInfo.maskChipKey) {
    mismatch(
      "snp_signing_key_mismatch",
      "signerInfo.maskChipKey",
      "expected 0 for a vcek-signed report, got 1",
    );
  }
  const hw = ext.hwId;
  if (!hw || ext.cspId !== undefined)
    mismatch("snp_leaf_invalid", "leaf.hwID", "expected a vcek with hwID and without cspID");
  const chip = report.chipId;
  const ok =
    hw.length === 64
      ? constantTimeEqual(hw, chip)
      : constantTimeEqual(hw, chip.subarray(0, hw.length)) && isAllZero(chip.subarray(hw.length));
  if (!ok)
    mismatch("snp_chip_id_mismatch", "chipId", `expected ${toHex(hw)} (leaf hwID), got ${toHex(chip)}`);
}
