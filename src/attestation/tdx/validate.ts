// Checks a verified TDX quote against reference values (google/go-tdx-guest verify, as Intel's QVL, edgelesssys/contrast internal/attestation/tdx); pure, every
// mismatch reported.

import { constantTimeEqual, toHex } from "../../common/bytes.ts";
import { assertNoMismatches } from "../mismatches.ts";
import type { TcbStatus } from "./collateral-types.ts";
import type { VerifiedTdxQuote } from "./verify.ts";

/** A u64 as the quote holds it: a bigint, or its 8 raw little-endian bytes as in the quote (manifest hex). */
export type TdxU64 = bigint | Uint8Array;

/** Every field is optional; only the given ones are checked, except DEBUG and TCB status (always). */
export interface TdxValidateOptions {
  /** Allowed MRTD values (one or several). */
  readonly mrTd?: Uint8Array | readonly Uint8Array[];
  /** Per RTMR index: one value or a list of allowed values (e.g. RTMR0 options); undefined = not checked. */
  readonly rtmrs?: readonly (Uint8Array | readonly Uint8Array[] | undefined)[];
  readonly mrSeam?: Uint8Array;
  readonly xfam?: TdxU64;
  /** Ignore XFAM bits 11–12 (CET user/supervisor state) when comparing, as Contrast does. */
  readonly xfamIgnoreCet?: boolean;
  /** Exact TD attributes. DEBUG (bit 0) is rejected whether or not this is given. */
  readonly tdAttributes?: TdxU64;
  readonly mrConfigId?: Uint8Array;
  readonly reportData?: Uint8Array;
  /** Allowed PCK PlatformInstanceIDs (16 bytes each); a PCK without PIID then fails. */
  readonly allowedPiids?: readonly Uint8Array[];
  /** Acceptable combined TCB statuses; default `["UpToDate"]`. */
  readonly acceptedTcbStatuses?: readonly TcbStatus[];
  /** When false, a quote verified without collateral (tcbStatus null) is acceptable. Default true. */
  readonly requireTcbStatus?: boolean;
  readonly minTcbEvaluationDataNumber?: number;
  /** Require SGX type scalable-with-integrity in the PCK certificate. */
  readonly memoryIntegrity?: boolean;
  /** Require the PCK configuration flag SMTEnabled to be false. */
  readonly smtDisabled?: boolean;
  /** Require the PCK configuration flag dynamicPlatform to be false. */
  readonly staticPlatform?: boolean;
}

const DEBUG = 1n;
const CET_BITS = (1n << 11n) | (1n << 12n);

function toU64(v: TdxU64): bigint {
  if (typeof v === "bigint") return BigInt.asUintN(64, v);
  let out = 0n;
  for (let i = Math.min(v.length, 8) - 1; i >= 0; i--) out = (out << 8n) | BigInt(v[i]!);
  return v.length === 8 ? out : -1n;
}

const hex64 = (v: bigint) => (v < 0n ? "invalid" : `0x${v.toString(16).padStart(16, "0")}`);

function checkBytes(
  out: string[],
  field: string,
  got: Uint8Array,
  want: Uint8Array | readonly Uint8Array[] | undefined,
): void {
  if (want === undefined) return;
  const allowed = want instanceof Uint8Array ? [want] : want;
  if (!allowed.some((w) => constantTimeEqual(w, got))) {
    out.push(`${field}: expected ${allowed.map(toHex).join(" or ") || "nothing"}, got ${toHex(got)}`);
  }
}

function checkMeasurements(out: string[], v: VerifiedTdxQuote, o: TdxValidateOptions): void {
  const b = v.quote.body;
  checkBytes(out, "mrTd", b.mrTd, o.mrTd);
  checkBytes(out, "mrSeam", b.mrSeam, o.mrSeam);
  checkBytes(out, "mrConfigId", b.mrConfigId, o.mrConfigId);
  checkBytes(out, "reportData", b.reportData, o.reportData);
  if (o.rtmrs !== undefined && o.rtmrs.length > 4)
    out.push(`rtmrs: expected at most 4 entries, got ${o.rtmrs.length}`);
  for (let i = 0; i < 4; i++) checkBytes(out, `rtmrs[${i}]`, b.rtmrs[i]!, o.rtmrs?.[i]);
}

function checkAttributes(out: string[], v: VerifiedTdxQuote, o: TdxValidateOptions): void {
  const b = v.quote.body;
  if ((b.tdAttributes & DEBUG) !== 0n)
    out.push(`tdAttributes: expected DEBUG (bit 0) clear, got ${hex64(b.tdAttributes)}`);
  if (o.tdAttributes !== undefined && toU64(o.tdAttributes) !== b.tdAttributes) {
    out.push(`tdAttributes: expected ${hex64(toU64(o.tdAttributes))}, got ${hex64(b.tdAttributes)}`);
  }
  if (o.xfam !== undefined) {
    const mask = o.xfamIgnoreCet === true ? ~CET_BITS & 0xffffffffffffffffn : 0xffffffffffffffffn;
    const want = toU64(o.xfam);
    if (want < 0n || (want & mask) !== (b.xfam & mask))
      out.push(`xfam: expected ${hex64(want)}, got ${hex64(b.xfam)}`);
  }
}

function checkPlatform(out: string[], v: VerifiedTdxQuote, o: TdxValidateOptions): void {
  const ext = v.pck.extension;
  if (o.allowedPiids !== undefined) {
    const piid = ext.platformInstanceId;
    if (piid === undefined)
      out.push("pck.platformInstanceId: expected one of the allowed PIIDs, got nothing");
    else checkBytes(out, "pck.platformInstanceId", piid, o.allowedPiids);
  }
  if (o.memoryIntegrity === true && ext.sgxType !== "scalableWithIntegrity") {
    out.push(`pck.sgxType: expected scalableWithIntegrity, got ${ext.sgxType}`);
  }
  const cfg = ext.configuration;
  if (o.smtDisabled === true && cfg?.smtEnabled !== false) {
    out.push(`pck.configuration.smtEnabled: expected false, got ${String(cfg?.smtEnabled)}`);
  }
  if (o.staticPlatform === true && cfg?.dynamicPlatform !== false) {
    out.push(`pck.configuration.dynamicPlatform: expected false, got ${String(cfg?.dynamicPlatform)}`);
  }
}

function checkTcb(out: string[], v: VerifiedTdxQuote, o: TdxValidateOptions): void {
  const s = v.tcbStatus;
  if (s === null) {
    if (o.requireTcbStatus !== false)
      out.push("tcbStatus: expected an evaluated tcb status, got null (no collateral)");
    if (o.minTcbEvaluationDataNumber !== undefined) {
      out.push(
        `tcbEvaluationDataNumber: expected >= ${o.minTcbEvaluationDataNumber}, got nothing (no collateral)`,
      );
    }
    return;
  }
  const accepted = o.acceptedTcbStatuses ?? ["UpToDate"];
  if (!accepted.includes(s.combined))
    out.push(`tcbStatus: expected ${accepted.join(" or ")}, got ${s.combined}`);
  const min = o.minTcbEvaluationDataNumber;
  if (min !== undefined && s.tcbEvaluationDataNumber < min) {
    out.push(`tcbEvaluationDataNumber: expected >= ${min}, got ${s.tcbEvaluationDataNumber}`);
  }
}

/** Returns every mismatch between the quote and `opts` (empty = acceptable). */
export function validateTdxQuote(v: VerifiedTdxQuote, opts: TdxValidateOptions): string[] {
  const out: string[] = [];
  checkMeasurements(out, v, opts);
  checkAttributes(out, v, opts);
  checkPlatform(out, v, opts);
  checkTcb(out, v, opts);
  return out;
}

/** Throws PolicyError `tdx_policy_mismatch` listing every mismatch. */
export function assertTdxQuote(v: VerifiedTdxQuote, opts: TdxValidateOptions): void {
  assertNoMismatches("tdx_policy_mismatch", "tdx quote", validateTdxQuote(v, opts));
}
