import { beforeAll, describe, expect, test } from "bun:test";
import { evaluateTdxTcbStatus, type TdxTcbStatus } from "../../../src/attestation/tdx/tcb-status.ts";
import {
  assertTdxQuote,
  type TdxValidateOptions,
  validateTdxQuote,
} from "../../../src/attestation/tdx/validate.ts";
import { TdxVerifier, type VerifiedTdxQuote } from "../../../src/attestation/tdx/verify.ts";
import { fromHex } from "../../../src/common/bytes.ts";
import { PolicyError } from "../../../src/common/errors.ts";
import {
  authenticCollateral,
  NOW_2023,
  NOW_2026,
  QE_IDENTITY_2023,
  QUOTES,
  readTdx,
  readTdxText,
  SIGNING_CHAIN_2018,
  TCB_INFO_2023,
} from "./vectors.ts";

const verifier = new TdxVerifier();
let v5: VerifiedTdxQuote;
let debug: VerifiedTdxQuote;
let baseline: TdxValidateOptions;

const flip = (b: Uint8Array) => b.map((x, i) => (i === 0 ? x ^ 1 : x));
const withStatus = (v: VerifiedTdxQuote, tcbStatus: TdxTcbStatus | null) =>
  ({ ...v, tcbStatus }) as VerifiedTdxQuote;

beforeAll(async () => {
  const raw = await verifier.verify({ quote: readTdx(QUOTES.v5), now: NOW_2026 });
  const { tcb2026: tcbInfo, qe2023: qeIdentity } = await authenticCollateral();
  const q = raw.quote;
  v5 = withStatus(
    raw,
    evaluateTdxTcbStatus({ body: q.body, qeReport: q.qeReport, pck: raw.pck.extension, tcbInfo, qeIdentity }),
  );
  debug = await verifier.verify({
    quote: readTdx(QUOTES.debug),
    now: NOW_2023,
    collateral: {
      tcbInfo: readTdx(TCB_INFO_2023),
      qeIdentity: readTdx(QE_IDENTITY_2023),
      issuerChain: readTdxText(SIGNING_CHAIN_2018),
    },
  });
  baseline = {
    mrTd: q.body.mrTd,
    rtmrs: [[new Uint8Array(48), q.body.rtmrs[0]], q.body.rtmrs[1], q.body.rtmrs[2], q.body.rtmrs[3]],
    mrSeam: q.body.mrSeam,
    xfam: 0x602e7n,
    tdAttributes: fromHex("0000001000000000"),
    mrConfigId: q.body.mrConfigId,
    reportData: q.body.reportData,
    allowedPiids: [raw.pck.extension.platformInstanceId!],
    acceptedTcbStatuses: ["UpToDate"],
    minTcbEvaluationDataNumber: 15,
  };
});

describe("validateTdxQuote", () => {
  test("v5 quote against its own values → no mismatch", () => {
    expect(validateTdxQuote(v5, baseline)).toEqual([]);
    expect(() => assertTdxQuote(v5, baseline)).not.toThrow();
  });

  test("debug TD quote with UpToDate TCB and empty options → rejected for DEBUG only", () => {
    expect(debug.tcbStatus?.combined).toBe("UpToDate");
    const m = validateTdxQuote(debug, {});
    expect(m.length).toBe(1);
    expect(m[0]!.startsWith("tdAttributes:")).toBe(true);
  });

  test("debug TD quote even when tdAttributes 0x10000001 is expected → still rejected", () => {
    expect(validateTdxQuote(debug, { tdAttributes: 0x10000001n }).length).toBe(1);
  });

  const rows: [string, (o: TdxValidateOptions) => TdxValidateOptions, string][] = [
    ["other MRTD", (o) => ({ ...o, mrTd: flip(v5.quote.body.mrTd) }), "mrTd"],
    [
      "MRTD allow-list without it",
      (o) => ({ ...o, mrTd: [new Uint8Array(48), flip(v5.quote.body.mrTd)] }),
      "mrTd",
    ],
    [
      "other RTMR0 list",
      (o) => ({ ...o, rtmrs: [[new Uint8Array(48)], ...(o.rtmrs ?? []).slice(1)] }),
      "rtmrs[0]",
    ],
    [
      "other RTMR2",
      (o) => ({ ...o, rtmrs: [undefined, undefined, flip(v5.quote.body.rtmrs[2])] }),
      "rtmrs[2]",
    ],
    [
      "other RTMR3",
      (o) => ({ ...o, rtmrs: [undefined, undefined, undefined, flip(v5.quote.body.rtmrs[3])] }),
      "rtmrs[3]",
    ],
    ["other MRSEAM", (o) => ({ ...o, mrSeam: flip(v5.quote.body.mrSeam) }), "mrSeam"],
    ["other XFAM", (o) => ({ ...o, xfam: 0x602e6n }), "xfam"],
    ["CET bit 11 differs, not ignored", (o) => ({ ...o, xfam: 0x602e7n | (1n << 11n) }), "xfam"],
    ["XFAM of 7 bytes", (o) => ({ ...o, xfam: new Uint8Array(7) }), "xfam"],
    ["other TD attributes (bigint)", (o) => ({ ...o, tdAttributes: 0x50000000n }), "tdAttributes"],
    ["other MRCONFIGID", (o) => ({ ...o, mrConfigId: flip(v5.quote.body.mrConfigId) }), "mrConfigId"],
    ["other REPORTDATA", (o) => ({ ...o, reportData: flip(v5.quote.body.reportData) }), "reportData"],
    ["PIID not allowed", (o) => ({ ...o, allowedPiids: [new Uint8Array(16)] }), "pck.platformInstanceId"],
    ["empty PIID allow-list", (o) => ({ ...o, allowedPiids: [] }), "pck.platformInstanceId"],
    [
      "only SWHardeningNeeded accepted",
      (o) => ({ ...o, acceptedTcbStatuses: ["SWHardeningNeeded"] }),
      "tcbStatus",
    ],
    [
      "minimum evaluation number 16",
      (o) => ({ ...o, minTcbEvaluationDataNumber: 16 }),
      "tcbEvaluationDataNumber",
    ],
    ["memory integrity required (PCK is scalable)", (o) => ({ ...o, memoryIntegrity: true }), "pck.sgxType"],
    [
      "SMT disabled required (PCK says enabled)",
      (o) => ({ ...o, smtDisabled: true }),
      "pck.configuration.smtEnabled",
    ],
    [
      "static platform required (PCK says dynamic)",
      (o) => ({ ...o, staticPlatform: true }),
      "pck.configuration.dynamicPlatform",
    ],
  ];
  for (const [name, change, field] of rows) {
    test(`${name} → one mismatch naming ${field}`, () => {
      const m = validateTdxQuote(v5, change(baseline));
      expect(m.length).toBe(1);
      expect(m[0]!.startsWith(`${field}:`)).toBe(true);
    });
  }

  test("CET bits 11–12 differ and xfamIgnoreCet → no mismatch", () => {
    expect(validateTdxQuote(v5, { ...baseline, xfam: 0x602e7n | (3n << 11n), xfamIgnoreCet: true })).toEqual(
      [],
    );
  });

  test("XFAM as 8 raw little-endian bytes → same as the bigint", () => {
    expect(validateTdxQuote(v5, { ...baseline, xfam: fromHex("e702060000000000") })).toEqual([]);
  });

  test("TCB status OutOfDate with default options → mismatch; accepted when listed", () => {
    const worse = withStatus(v5, { ...v5.tcbStatus!, combined: "OutOfDate", module: "OutOfDate" });
    expect(validateTdxQuote(worse, {})).toEqual(["tcbStatus: expected UpToDate, got OutOfDate"]);
    expect(validateTdxQuote(worse, { acceptedTcbStatuses: ["UpToDate", "OutOfDate"] })).toEqual([]);
  });

  test("no collateral (tcbStatus null) → mismatch unless requireTcbStatus is false", () => {
    const bare = withStatus(v5, null);
    expect(validateTdxQuote(bare, {}).length).toBe(1);
    expect(validateTdxQuote(bare, { requireTcbStatus: false })).toEqual([]);
    expect(validateTdxQuote(bare, { requireTcbStatus: false, minTcbEvaluationDataNumber: 1 }).length).toBe(1);
  });

  test("several differences → every one reported", () => {
    const m = validateTdxQuote(v5, {
      ...baseline,
      mrTd: new Uint8Array(48),
      mrSeam: new Uint8Array(48),
      xfam: 0n,
    });
    expect(m.length).toBe(3);
  });
});

describe("assertTdxQuote", () => {
  test("debug TD → PolicyError tdx_policy_mismatch with the mismatch list", () => {
    try {
      assertTdxQuote(debug, {});
      throw new Error("expected PolicyError");
    } catch (e) {
      expect(e).toBeInstanceOf(PolicyError);
      expect((e as PolicyError).code).toBe("tdx_policy_mismatch");
      expect((e as PolicyError).mismatches.length).toBe(1);
    }
  });
});
