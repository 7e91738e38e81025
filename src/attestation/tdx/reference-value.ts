// One TDX entry of a manifest's ReferenceValues: its field table (which drives reading, writing and the type) and its
// conversion into validator options. Field names and meanings follow edgelesssys/contrast
// internal/manifest/referencevalues.go (TDXReferenceValues).

import { fromHex } from "../../common/bytes.ts";
import type { Checker } from "../../common/checker.ts";
import { type FieldsOf, field, readFields, type Table } from "../../common/fields.ts";
import { TCB_STATUSES, type TcbStatus } from "./collateral-types.ts";
import type { TdxValidateOptions } from "./validate.ts";

/** Intel TCB statuses a reference value may accept: every one Intel publishes but `Revoked`. */
export type TdxAcceptableTcbStatus = Exclude<TcbStatus, "Revoked">;

export const TDX_ACCEPTABLE_TCB_STATUSES = TCB_STATUSES.filter(
  (s): s is TdxAcceptableTcbStatus => s !== "Revoked",
);

const hex48 = field.hex(48);

/** RTMR0..3: exactly four. */
const rtmrs = field.custom<readonly [string, string, string, string]>((c, v, path) => {
  const arr = c.array(v, path);
  if (arr === undefined) return undefined;
  if (arr.length !== 4) c.add(path, `expected 4 entries, got ${arr.length}`);
  const r = [0, 1, 2, 3].map((i) => hex48.read(c, arr[i], `${path}[${i}]`) ?? "");
  return r as unknown as readonly [string, string, string, string];
});

/** At least one status. */
const statuses = field.custom<readonly TdxAcceptableTcbStatus[]>((c, v, path) => {
  const list = field.list(field.oneOf(TDX_ACCEPTABLE_TCB_STATUSES)).read(c, v, path);
  if (list !== undefined && list.length === 0) c.add(path, "expected at least one status, got empty list");
  return list;
});

export const TDX_REFERENCE_VALUE_FIELDS = {
  Platform: field.string(),
  MinTCBEvaluationDataNumber: field.optional(field.uint(0xffffffff)),
  /** 48 bytes each, hex. */
  MrTd: hex48,
  MrSeam: hex48,
  Rtmrs: rtmrs,
  /** 8 bytes, hex. */
  Xfam: field.hex(8),
  /** 16-byte platform instance IDs, hex. */
  AllowedPIIDs: field.optional(field.list(field.hex(16))),
  MemoryIntegrity: field.optional(field.bool()),
  SMTDisabled: field.optional(field.bool()),
  StaticPlatform: field.optional(field.bool()),
  /** Default ["UpToDate"]. */
  AllowedTCBStatuses: field.optional(statuses),
  /** As for SNP: accept a quote when the PCK CRL or the root CA CRL cannot be had (warned). Default false. */
  AllowMissingCRL: field.optional(field.bool()),
} satisfies Table;

export type TdxReferenceValue = FieldsOf<typeof TDX_REFERENCE_VALUE_FIELDS>;

/** Reads one entry, recording every problem by path; undefined when it has any. */
export function readTdxReferenceValue(c: Checker, v: unknown, path: string): TdxReferenceValue | undefined {
  const before = c.problems.length;
  const entry = readFields(c, v, path, TDX_REFERENCE_VALUE_FIELDS);
  return c.problems.length === before ? entry : undefined;
}

/** TD attributes Contrast expects: only SEPT_VE_DISABLE (bit 28); DEBUG is always rejected by the validator. */
export const EXPECTED_TD_ATTRIBUTES = 1n << 28n;

/** The validator options an entry stands for. Per-call data (the expected report data) is passed in, never stored. */
export function tdxValidateOptionsFor(rv: TdxReferenceValue, reportData?: Uint8Array): TdxValidateOptions {
  return {
    mrTd: fromHex(rv.MrTd, "MrTd", 48),
    mrSeam: fromHex(rv.MrSeam, "MrSeam", 48),
    rtmrs: rv.Rtmrs.map((h, i) => fromHex(h, `Rtmrs[${i}]`, 48)),
    xfam: fromHex(rv.Xfam, "Xfam", 8),
    xfamIgnoreCet: true,
    tdAttributes: EXPECTED_TD_ATTRIBUTES,
    allowedPiids: (rv.AllowedPIIDs ?? []).length
      ? rv.AllowedPIIDs!.map((h, i) => fromHex(h, `AllowedPIIDs[${i}]`, 16))
      : undefined,
    acceptedTcbStatuses: rv.AllowedTCBStatuses ?? ["UpToDate"],
    ...(rv.MinTCBEvaluationDataNumber ? { minTcbEvaluationDataNumber: rv.MinTCBEvaluationDataNumber } : {}),
    memoryIntegrity: rv.MemoryIntegrity ?? false,
    smtDisabled: rv.SMTDisabled ?? false,
    staticPlatform: rv.StaticPlatform ?? false,
    ...(reportData ? { reportData } : {}),
  };
}
