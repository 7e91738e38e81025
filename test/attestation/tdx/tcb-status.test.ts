import { beforeAll, describe, expect, test } from "bun:test";
import { authenticateTdQeIdentity, authenticateTdxTcbInfo } from "../../../src/attestation/tdx/collateral.ts";
import type { TcbStatus, TdQeIdentity, TdxTcbInfo } from "../../../src/attestation/tdx/collateral-types.ts";
import {
  combineTcbStatus,
  evaluateTdxTcbStatus,
  TCB_STATUS_SEVERITY,
  type TcbEvaluationInput,
} from "../../../src/attestation/tdx/tcb-status.ts";
import { TdxVerifier, type VerifiedTdxQuote } from "../../../src/attestation/tdx/verify.ts";
import { PolicyError, VerificationError } from "../../../src/common/errors.ts";
import { type ErrorClass, expectCode, expectError } from "../../support/expect-error.ts";
import {
  authenticCollateral,
  NOW_2023,
  NOW_2026,
  QE_IDENTITY_2023,
  QUOTES,
  readTdx,
  readTdxText,
  SIGNING_CHAIN_2018,
  SIGNING_CHAIN_REISSUED,
  TCB_INFO_2023,
  TCB_INFO_2026,
} from "./vectors.ts";

const verifier = new TdxVerifier();
const chain2018 = readTdxText(SIGNING_CHAIN_2018);
const chainReissued = readTdxText(SIGNING_CHAIN_REISSUED);
let tcb2023: TdxTcbInfo;
let tcb2026: TdxTcbInfo;
let qe2023: TdQeIdentity;
let v5: VerifiedTdxQuote;
let debug: VerifiedTdxQuote;
let spr: VerifiedTdxQuote;

beforeAll(async () => {
  ({ tcb2023, tcb2026, qe2023 } = await authenticCollateral());
  v5 = await verifier.verify({ quote: readTdx(QUOTES.v5), now: NOW_2026 });
  debug = await verifier.verify({ quote: readTdx(QUOTES.debug), now: NOW_2023 });
  spr = await verifier.verify({ quote: readTdx(QUOTES.spr), now: NOW_2023 });
});

function inputFor(v: VerifiedTdxQuote, tcbInfo: TdxTcbInfo, qeIdentity: TdQeIdentity): TcbEvaluationInput {
  return { body: v.quote.body, qeReport: v.quote.qeReport, pck: v.pck.extension, tcbInfo, qeIdentity };
}

/** Replaces the TDX_01 module levels of the 2026 tcbInfo (evaluation input only; the signed bytes are untouched). */
function withModuleLevels(
  levels: { isvSvn: number; tcbStatus: TcbStatus; advisoryIds?: string[] }[],
): TdxTcbInfo {
  return {
    ...tcb2026,
    tdxModuleIdentities: tcb2026.tdxModuleIdentities.map((m) =>
      m.id !== "TDX_01"
        ? m
        : {
            ...m,
            tcbLevels: levels.map((l) => ({ tcbDate: "2025-01-01T00:00:00Z", advisoryIds: [], ...l })),
          },
    ),
  };
}

function withPlatformStatus(info: TdxTcbInfo, index: number, tcbStatus: TcbStatus): TdxTcbInfo {
  return { ...info, tcbLevels: info.tcbLevels.map((l, i) => (i === index ? { ...l, tcbStatus } : l)) };
}

describe("evaluateTdxTcbStatus", () => {
  test("v5 quote vs 2026 tcbInfo and the TD_QE identity → platform, module TDX_01 and QE UpToDate", () => {
    const s = evaluateTdxTcbStatus(inputFor(v5, tcb2026, qe2023));
    expect(s).toEqual({
      platform: "UpToDate",
      module: "UpToDate",
      qe: "UpToDate",
      combined: "UpToDate",
      advisoryIds: [],
      tcbEvaluationDataNumber: 15,
    });
  });

  test("SPR quote vs 2023 tcbInfo → PolicyError tdx_tcb_unsupported (no matching level)", () => {
    expectError(
      () => evaluateTdxTcbStatus(inputFor(spr, tcb2023, qe2023)),
      PolicyError,
      "tdx_tcb_unsupported",
    );
  });

  test("SPR QE (isvsvn 4) vs 2023 TD_QE identity → QE UpToDate when the platform levels are zeroed (as GTG does)", () => {
    const zeroed: TdxTcbInfo = {
      ...tcb2023,
      tcbLevels: [
        {
          ...tcb2023.tcbLevels[1]!,
          sgxTcbComponents: Array(16).fill(0),
          tdxTcbComponents: Array(16).fill(0),
          pceSvn: 0,
        },
      ],
    };
    const s = evaluateTdxTcbStatus(inputFor(spr, zeroed, qe2023));
    expect(s.qe).toBe("UpToDate");
    expect(s.platform).toBe("OutOfDate");
    expect(s.combined).toBe("OutOfDate");
    expect(s.advisoryIds).toContain("INTEL-SA-00477");
  });

  test("debug TD quote vs 2023 tcbInfo → UpToDate (level 2023-02-15), module null for TDX 1.0", () => {
    const s = evaluateTdxTcbStatus(inputFor(debug, tcb2023, qe2023));
    expect(s.platform).toBe("UpToDate");
    expect(s.module).toBeNull();
    expect(s.combined).toBe("UpToDate");
  });

  test("module level OutOfDate while platform UpToDate → combined OutOfDate with the module's advisories", () => {
    const info = withModuleLevels([
      { isvSvn: 12, tcbStatus: "UpToDate" },
      { isvSvn: 4, tcbStatus: "OutOfDate", advisoryIds: ["INTEL-SA-01036", "INTEL-SA-01099"] },
    ]);
    const s = evaluateTdxTcbStatus(inputFor(v5, info, qe2023));
    expect([s.platform, s.module, s.qe, s.combined]).toEqual([
      "UpToDate",
      "OutOfDate",
      "UpToDate",
      "OutOfDate",
    ]);
    expect(s.advisoryIds).toEqual(["INTEL-SA-01036", "INTEL-SA-01099"]);
  });

  test("platform ConfigurationNeeded and module OutOfDate → OutOfDateConfigurationNeeded", () => {
    const info = withPlatformStatus(
      withModuleLevels([{ isvSvn: 2, tcbStatus: "OutOfDate" }]),
      0,
      "ConfigurationNeeded",
    );
    expect(evaluateTdxTcbStatus(inputFor(v5, info, qe2023)).combined).toBe("OutOfDateConfigurationNeeded");
  });

  test("QE level Revoked → combined Revoked", () => {
    const qe: TdQeIdentity = { ...qe2023, tcbLevels: [{ ...qe2023.tcbLevels[0]!, tcbStatus: "Revoked" }] };
    const s = evaluateTdxTcbStatus(inputFor(v5, tcb2026, qe));
    expect([s.platform, s.qe, s.combined]).toEqual(["UpToDate", "Revoked", "Revoked"]);
  });

  test("TDX 1.5 module: TDX components 0 and 1 are skipped (level tdx[0] = 200 still matches)", () => {
    const info: TdxTcbInfo = {
      ...tcb2026,
      tcbLevels: [
        {
          ...tcb2026.tcbLevels[0]!,
          tdxTcbComponents: [200, 0, ...tcb2026.tcbLevels[0]!.tdxTcbComponents.slice(2)],
        },
      ],
    };
    expect(evaluateTdxTcbStatus(inputFor(v5, info, qe2023)).platform).toBe("UpToDate");
  });

  test("TDX 1.0 module: component 0 counts (first level tdx[0] = 200 → next level, OutOfDate)", () => {
    const first = tcb2023.tcbLevels[0]!;
    const info: TdxTcbInfo = {
      ...tcb2023,
      tcbLevels: [
        { ...first, tdxTcbComponents: [200, ...first.tdxTcbComponents.slice(1)] },
        ...tcb2023.tcbLevels.slice(1),
      ],
    };
    expect(evaluateTdxTcbStatus(inputFor(debug, info, qe2023)).platform).toBe("OutOfDate");
  });

  const rows: [string, () => TcbEvaluationInput, ErrorClass, string][] = [
    [
      "debug quote vs 2026 tcbInfo (other FMSPC)",
      () => inputFor(debug, tcb2026, qe2023),
      VerificationError,
      "tdx_collateral_mismatch",
    ],
    [
      "pceId differs",
      () => inputFor(v5, { ...tcb2026, pceId: "0001" }, qe2023),
      VerificationError,
      "tdx_collateral_mismatch",
    ],
    [
      "tdxModule mrsigner differs",
      () =>
        inputFor(
          v5,
          { ...tcb2026, tdxModule: { ...tcb2026.tdxModule, mrSigner: new Uint8Array(48).fill(1) } },
          qe2023,
        ),
      VerificationError,
      "tdx_module_identity_mismatch",
    ],
    [
      "TDX_01 identity absent",
      () =>
        inputFor(
          v5,
          { ...tcb2026, tdxModuleIdentities: tcb2026.tdxModuleIdentities.filter((m) => m.id !== "TDX_01") },
          qe2023,
        ),
      PolicyError,
      "tdx_tcb_unsupported",
    ],
    [
      "TDX_01 attributes differ",
      () =>
        inputFor(
          v5,
          {
            ...tcb2026,
            tdxModuleIdentities: tcb2026.tdxModuleIdentities.map((m) => ({
              ...m,
              attributes: Uint8Array.of(1, 0, 0, 0, 0, 0, 0, 0),
            })),
          },
          qe2023,
        ),
      VerificationError,
      "tdx_module_identity_mismatch",
    ],
    [
      "module isvsvn below every level",
      () => inputFor(v5, withModuleLevels([{ isvSvn: 12, tcbStatus: "UpToDate" }]), qe2023),
      PolicyError,
      "tdx_tcb_unsupported",
    ],
    [
      "QE mrsigner differs",
      () => inputFor(v5, tcb2026, { ...qe2023, mrSigner: new Uint8Array(32) }),
      VerificationError,
      "tdx_qe_identity_mismatch",
    ],
    [
      "QE isvprodid differs",
      () => inputFor(v5, tcb2026, { ...qe2023, isvProdId: 1 }),
      VerificationError,
      "tdx_qe_identity_mismatch",
    ],
    [
      "QE miscselect differs",
      () => inputFor(v5, tcb2026, { ...qe2023, miscselect: 1 }),
      VerificationError,
      "tdx_qe_identity_mismatch",
    ],
    [
      "QE attributes differ",
      () => inputFor(v5, tcb2026, { ...qe2023, attributes: new Uint8Array(16) }),
      VerificationError,
      "tdx_qe_identity_mismatch",
    ],
    [
      "QE isvsvn below every level",
      () => inputFor(v5, tcb2026, { ...qe2023, tcbLevels: [{ ...qe2023.tcbLevels[0]!, isvSvn: 8 }] }),
      PolicyError,
      "tdx_tcb_unsupported",
    ],
  ];
  for (const [name, make, cls, code] of rows) {
    test(`${name} → ${cls.name} ${code}`, () => expectError(() => evaluateTdxTcbStatus(make()), cls, code));
  }
});

describe("combineTcbStatus", () => {
  const rows: [TcbStatus, TcbStatus, TcbStatus][] = [
    ["UpToDate", "UpToDate", "UpToDate"],
    ["UpToDate", "SWHardeningNeeded", "SWHardeningNeeded"],
    ["ConfigurationNeeded", "SWHardeningNeeded", "ConfigurationNeeded"],
    ["SWHardeningNeeded", "ConfigurationNeeded", "ConfigurationNeeded"],
    ["OutOfDate", "SWHardeningNeeded", "OutOfDate"],
    ["OutOfDate", "ConfigurationNeeded", "OutOfDateConfigurationNeeded"],
    ["ConfigurationAndSWHardeningNeeded", "OutOfDate", "OutOfDateConfigurationNeeded"],
    ["OutOfDateConfigurationNeeded", "OutOfDate", "OutOfDateConfigurationNeeded"],
    ["Revoked", "UpToDate", "Revoked"],
    ["OutOfDateConfigurationNeeded", "Revoked", "Revoked"],
  ];
  for (const [a, b, want] of rows) {
    test(`${a} + ${b} → ${want}`, () => {
      expect(combineTcbStatus(a, b)).toBe(want);
      expect(combineTcbStatus(b, a)).toBe(want);
    });
  }

  test("the result is never better than either input", () => {
    const all = Object.keys(TCB_STATUS_SEVERITY) as TcbStatus[];
    let n = 0;
    for (const a of all) {
      for (const b of all) {
        const c = TCB_STATUS_SEVERITY[combineTcbStatus(a, b)];
        expect(c).toBeGreaterThanOrEqual(Math.max(TCB_STATUS_SEVERITY[a], TCB_STATUS_SEVERITY[b]));
        n++;
      }
    }
    expect(n).toBe(49);
  });
});

describe("TdxVerifier.verify with collateral", () => {
  test("debug TD quote with 2023 collateral and CRLs at 2023-07-01 → tcbStatus UpToDate", async () => {
    const v = await verifier.verify({
      quote: readTdx(QUOTES.debug),
      now: NOW_2023,
      pckCrl: readTdx("pckcrl_platform_2023.der"),
      rootCrl: readTdx("rootcacrl_2023.der"),
      collateral: {
        tcbInfo: readTdx(TCB_INFO_2023),
        qeIdentity: readTdx(QE_IDENTITY_2023),
        issuerChain: chain2018,
      },
    });
    expect(v.tcbStatus?.combined).toBe("UpToDate");
    expect(v.tcbStatus?.tcbEvaluationDataNumber).toBe(15);
  });

  // One quote, one time and one set of collateral per row; each is refused with the row's class and code.
  const refused: [string, keyof typeof QUOTES, Date, string, string, string, ErrorClass, string][] = [
    [
      "SPR quote with 2023 collateral",
      "spr",
      NOW_2023,
      TCB_INFO_2023,
      QE_IDENTITY_2023,
      chain2018,
      PolicyError,
      "tdx_tcb_unsupported",
    ],
    [
      "v5 quote at 2026 with the 2023 QE identity (QE identity past nextUpdate)",
      "v5",
      NOW_2026,
      TCB_INFO_2026,
      QE_IDENTITY_2023,
      chainReissued,
      VerificationError,
      "tdx_collateral_expired",
    ],
  ];
  for (const [name, quote, now, tcbInfo, qeIdentity, issuerChain, cls, code] of refused) {
    test(`${name} → ${cls.name} ${code}`, async () => {
      const collateral = { tcbInfo: readTdx(tcbInfo), qeIdentity: readTdx(qeIdentity), issuerChain };
      await expectCode(verifier.verify({ quote: readTdx(QUOTES[quote]), now, collateral }), cls, code);
    });
  }

  test("pre-authenticated collateral objects are time-checked too", async () => {
    const tcbInfo = await authenticateTdxTcbInfo(readTdx(TCB_INFO_2026), chainReissued);
    const qeIdentity = await authenticateTdQeIdentity(readTdx(QE_IDENTITY_2023), chainReissued);
    const p = verifier.verify({
      quote: readTdx(QUOTES.v5),
      now: NOW_2026,
      collateral: { tcbInfo, qeIdentity },
    });
    await p.catch((e: VerificationError) => expect(e.code).toBe("tdx_collateral_expired"));
    await expect(p).rejects.toBeInstanceOf(VerificationError);
  });
});
