// Reads and validates one TDX reference value entry (reference §2.1 table), recording every problem by path.

import { type Checker, join } from "./checker.ts";
import { TDX_TCB_STATUSES, type TdxReferenceValue, type TdxTcbStatus } from "./types.ts";
import { optional } from "./validate-snp.ts";

export const TDX_FIELDS = [
  "Platform",
  "MinTCBEvaluationDataNumber",
  "MrTd",
  "MrSeam",
  "Rtmrs",
  "Xfam",
  "AllowedPIIDs",
  "MemoryIntegrity",
  "SMTDisabled",
  "StaticPlatform",
  "AllowedTCBStatuses",
  "AllowMissingCRL",
] as const;

export function readTdxReferenceValue(c: Checker, v: unknown, path: string): TdxReferenceValue | undefined {
  const o = c.object(v, path, TDX_FIELDS);
  if (o === undefined) return undefined;
  const before = c.problems.length;
  const hex48 = (k: string) => c.hex(c.required(o, k, path), join(path, k), 48) ?? "";
  const entry: TdxReferenceValue = {
    Platform: c.string(c.required(o, "Platform", path), join(path, "Platform")) ?? "",
    ...optional(o, "MinTCBEvaluationDataNumber", (x) =>
      c.uint(x, join(path, "MinTCBEvaluationDataNumber"), 0xffffffff),
    ),
    MrTd: hex48("MrTd"),
    MrSeam: hex48("MrSeam"),
    Rtmrs: readRtmrs(c, c.required(o, "Rtmrs", path), join(path, "Rtmrs")),
    Xfam: c.hex(c.required(o, "Xfam", path), join(path, "Xfam"), 8) ?? "",
    ...optional(o, "AllowedPIIDs", (x) => c.list(x, join(path, "AllowedPIIDs"), (h, p) => c.hex(h, p, 16))),
    ...optional(o, "MemoryIntegrity", (x) => c.bool(x, join(path, "MemoryIntegrity"))),
    ...optional(o, "SMTDisabled", (x) => c.bool(x, join(path, "SMTDisabled"))),
    ...optional(o, "StaticPlatform", (x) => c.bool(x, join(path, "StaticPlatform"))),
    ...optional(o, "AllowedTCBStatuses", (x) => readStatuses(c, x, join(path, "AllowedTCBStatuses"))),
    ...optional(o, "AllowMissingCRL", (x) => c.bool(x, join(path, "AllowMissingCRL"))),
  };
  return c.problems.length === before ? entry : undefined;
}

function readRtmrs(c: Checker, v: unknown, path: string): TdxReferenceValue["Rtmrs"] {
  const arr = c.array(v, path);
  if (arr === undefined) return ["", "", "", ""];
  if (arr.length !== 4) c.add(path, `expected 4 entries, got ${arr.length}`);
  const r = [0, 1, 2, 3].map((i) => c.hex(arr[i], `${path}[${i}]`, 48) ?? "");
  return r as unknown as TdxReferenceValue["Rtmrs"];
}

function readStatuses(c: Checker, v: unknown, path: string): TdxTcbStatus[] | undefined {
  const list = c.list(v, path, (s, p) =>
    TDX_TCB_STATUSES.includes(s as TdxTcbStatus)
      ? (s as TdxTcbStatus)
      : c.expected(p, `one of ${TDX_TCB_STATUSES.join(", ")}`, s),
  );
  if (list !== undefined && list.length === 0) c.add(path, "expected at least one status, got empty list");
  return list;
}
