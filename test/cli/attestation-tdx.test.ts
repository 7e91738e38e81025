// `contrast attestation verify --tdx-quote` run through the real cac parser against every tdx/ and intel/ vector.

import { afterAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { INTEL_SGX_ROOT_CA_SHA256 } from "../../src/attestation/tdx/intel-root-ca.ts";
import {
  encodedChain,
  readTestdata,
  startCollateralServer,
} from "../attestation/fixtures/collateral-server.ts";
import { attestationCli, expectFailed, type Json } from "./attestation-fixture.ts";

/** Local PCS for every run (CRLs are always fetched when not given): never the real Intel service. */
const pcs = startCollateralServer();
afterAll(() => pcs.stop());
const cli = attestationCli("tdx", { CONTRAST_PCS_URL: pcs.url });
const { tmp, td } = cli;
const verify = (args: string[], env: Record<string, string> = {}) => cli.verify(args, env);

const Q = {
  spr: "tdx/quote_v4_spr_gotdxguest.dat",
  v5: "tdx/quote_v5_gotdxguest.dat",
  debug: "tdx/quote_v4_coco_debugtd.dat",
  azure: "tdx/quote_v4_azure_coco.dat",
} as const;
const TCB_2023 = "tdx/tcbinfo_tdx_fmspc50806f000000_2023.json";
const TCB_2026 = "tdx/tcbinfo_tdx_fmspc90c06f000000_2026.json";
const QE_2023 = "tdx/qeidentity_tdqe_2023.json";
const CHAIN_2018 = "tdx/tcb_signing_issuer_chain.pem";
const CHAIN_REISSUED = "tdx/tcb_signing_issuer_chain_reissued.pem";
const PCK_CRL = "tdx/pckcrl_platform_2023.der";
const ROOT_CRL = "tdx/rootcacrl_2023.der";
const ZERO48 = "00".repeat(48);

/** 2023 collateral (signed by the 2018 TCB-signing certificate) and both CRLs, valid on 2023-07-01. */
function collateral2023(): string[] {
  return [
    "--tcb-info",
    td(TCB_2023),
    "--qe-identity",
    td(QE_2023),
    "--tcb-signing-chain",
    td(CHAIN_2018),
    "--pck-crl",
    td(PCK_CRL),
    "--root-crl",
    td(ROOT_CRL),
    "--now",
    "2023-07-01T00:00:00Z",
  ];
}

/** README rows: a time inside each PCK certificate's validity and the fields it states (u64s as quote bytes). */
const QUOTES = [
  {
    quote: Q.spr,
    now: "2023-07-01T00:00:00Z",
    // The local PCS serves the 2023 platform PCK CRL and root CA CRL: current on 2023-07-01 only.
    crlsCurrent: true,
    mrTdOffset: 184,
    expect: {
      version: 4,
      fmspc: "50806f000000",
      mrTd: "6363b8043668a3ad953278e10389574d326c6749fb78aa810ecd9336923db86f22fc00b8dcd404bc10d5e119d7215cbb",
      reportData:
        "6c62dec1b8191749a31dab490be532a35944dea47caef1f980863993d9899545eb7406a38d1eed313b987a467dacead6f0c87a6d766c66f6f29f8acb281f1113",
      tdAttributes: "0000004000000000",
      xfam: "e71a060000000000",
    },
  },
  {
    quote: Q.v5,
    now: "2026-02-10T00:00:00Z",
    crlsCurrent: false,
    mrTdOffset: 190,
    expect: {
      version: 5,
      fmspc: "90c06f000000",
      mrTd: "7348651a34b2d2d3462822e3a750ec6110125f36757c78480bbfc69cc0d21fb001a1ced3ee19747dda8f750c3bc8f876",
      tdAttributes: "0000001000000000",
      xfam: "e702060000000000",
      teeTcbSvn: "0b010400000000000000000000000000",
    },
  },
  {
    quote: Q.debug,
    now: "2023-07-01T00:00:00Z",
    crlsCurrent: true,
    mrTdOffset: 184,
    expect: {
      version: 4,
      fmspc: "50806f000000",
      mrTd: "705ee9381b8633a9fbe532b52345e8433343d2868959f57889d84ca377c395b689cac1599ccea1b7d420483a9ce5f031",
      reportData:
        "7c71fe2c86eff65a7cf8dbc22b3275689fd0464a267baced1bf94fc1324656aeb755da3d44d098c0c87382f3a5f85b45c8a28fee1d3bdb38342bf96671501429",
      tdAttributes: "0100001000000000",
      xfam: "e742060000000000",
    },
  },
  {
    quote: Q.azure,
    now: "2024-01-01T00:00:00Z",
    crlsCurrent: false,
    mrTdOffset: 184,
    expect: {
      version: 4,
      fmspc: "00806f050000",
      tdAttributes: "0000000000000000",
      xfam: "e718060000000000",
      rtmrs: [ZERO48, ZERO48, ZERO48, ZERO48],
    },
  },
] as const;

function sha256Pem(rel: string): string {
  const b64 = readFileSync(td(rel), "utf8").replace(/-----[A-Z ]+-----|\s/g, "");
  return createHash("sha256").update(Buffer.from(b64, "base64")).digest("hex");
}

function writeFile(name: string, data: Uint8Array | string): string {
  const path = join(tmp, name);
  writeFileSync(path, data);
  return path;
}

describe("attestation verify --tdx-quote (README vectors)", () => {
  let cases = 0;
  const rootSha = sha256Pem("intel/intel_sgx_root_ca.pem");

  for (const v of QUOTES) {
    const allow = v.crlsCurrent ? [] : ["--allow-missing-crl"];
    const crls = v.crlsCurrent ? "CRLs from PCS" : "no current CRL, --allow-missing-crl";
    test(`${v.quote} --no-collateral at ${v.now}, ${crls} → exit 0, tcbStatus null, README fields`, async () => {
      const r = await verify(["--tdx-quote", td(v.quote), "--no-collateral", "--now", v.now, ...allow]);
      expect(r.code).toBe(0);
      expect(r.json).toMatchObject({ platform: "tdx", tcbStatus: null, ...v.expect });
      expect(r.json.revocation.checked).toBe(v.crlsCurrent);
      expect(r.stderr.includes("--allow-missing-crl")).toBe(!v.crlsCurrent);
      expect(r.json.rtmrs).toHaveLength(4);
      // The root each quote carries is byte-identical to the Intel SGX Root CA file and the pinned one.
      expect(r.json.pckRootSha256).toBe(rootSha);
      expect(rootSha).toBe(INTEL_SGX_ROOT_CA_SHA256);
      cases++;
    });
    test(`${v.quote} with one MRTD byte flipped → exit 4 tdx_bad_quote_signature, fields still printed`, async () => {
      const bytes = new Uint8Array(readFileSync(td(v.quote)));
      bytes[v.mrTdOffset] = bytes[v.mrTdOffset]! ^ 0x01;
      const path = writeFile(`flipped-${v.quote.replace("/", "-")}`, bytes);
      const r = await verify(["--tdx-quote", path, "--no-collateral", "--now", v.now]);
      expectFailed(r, 4, "tdx_bad_quote_signature");
      expect(r.json.fmspc).toBe(v.expect.fmspc);
      expect(r.json.mrTd).not.toBe(
        readFileSync(td(v.quote))
          .subarray(v.mrTdOffset, v.mrTdOffset + 48)
          .toString("hex"),
      );
      cases++;
    });
  }

  test("debug TD with 2023 collateral and both CRLs at 2023-07-01 → exit 0, TCB UpToDate", async () => {
    const r = await verify(["--tdx-quote", td(Q.debug), ...collateral2023()]);
    expect(r.code).toBe(0);
    expect(r.json.tcbStatus).toEqual({
      platform: "UpToDate",
      module: null,
      qe: "UpToDate",
      combined: "UpToDate",
    });
    expect(r.json.tcbEvaluationDataNumber).toBe(15);
    expect(r.json.pck.ca).toBe("platform");
    cases++;
  });

  test("SPR quote with 2023 collateral at 2023-07-01 → exit 5 tdx_tcb_unsupported (no matching TCB level)", async () => {
    const r = await verify(["--tdx-quote", td(Q.spr), ...collateral2023()]);
    expectFailed(r, 5, "tdx_tcb_unsupported");
    expect(r.json.mrTd).toBe(QUOTES[0].expect.mrTd);
    cases++;
  });

  // The README pairs the v5 quote with the 2026 TCB info and "either" QE identity, but the only TD_QE identity in
  // the testdata expired on 2023-07-08 and the v5 PCK certificate starts 2026-01-27: no time satisfies both, and
  // expired collateral is rejected rather than trusted.
  test("v5 quote, 2026 TCB info, re-issued chain, 2023 QE identity at 2026-02-10 → exit 4 tdx_collateral_expired", async () => {
    const r = await verify([
      "--tdx-quote",
      td(Q.v5),
      "--tcb-info",
      td(TCB_2026),
      "--qe-identity",
      td(QE_2023),
      "--tcb-signing-chain",
      td(CHAIN_REISSUED),
      "--now",
      "2026-02-10T00:00:00Z",
    ]);
    expectFailed(r, 4, "tdx_collateral_expired");
    expect(r.json.error.message.startsWith("enclaveIdentity:")).toBe(true);
    cases++;
  });

  test("2023 collateral under the PCK CRL issuer chain instead of the TCB-signing chain → exit 4", async () => {
    const args = collateral2023();
    args[args.indexOf("--tcb-signing-chain") + 1] = td("tdx/pckcrl_issuer_chain.pem");
    const r = await verify(["--tdx-quote", td(Q.debug), ...args]);
    expectFailed(r, 4, "tdx_chain_invalid");
    cases++;
  });

  test("collateral from PCS (local server) for the debug TD and the SPR quote → exit 0 UpToDate and exit 5", async () => {
    const server = startCollateralServer();
    try {
      const env = { CONTRAST_PCS_URL: server.url };
      const debug = await verify(["--tdx-quote", td(Q.debug), "--now", "2023-07-01T00:00:00Z"], env);
      expect(debug.code).toBe(0);
      expect(debug.json.tcbStatus.combined).toBe("UpToDate");
      const spr = await verify(["--tdx-quote", td(Q.spr), "--now", "2023-07-01T00:00:00Z"], env);
      expectFailed(spr, 5, "tdx_tcb_unsupported");
      // What the server sent: the 2023 TCB info and QE identity with the 2018 TCB-signing chain, the platform PCK
      // CRL with its issuer chain, and the root CA CRL.
      for (const p of [
        "/tdx/certification/v4/tcb",
        "/tdx/certification/v4/qe/identity",
        "/sgx/certification/v4/pckcrl",
      ])
        expect(server.hits(p)).toBe(2);
      expect(server.hits("/IntelSGXRootCA.der")).toBe(2);
      for (const f of [TCB_2023, QE_2023, CHAIN_2018, PCK_CRL, "tdx/pckcrl_issuer_chain.pem", ROOT_CRL])
        td(f);
    } finally {
      server.stop();
    }
    cases++;
  });

  test("PCS unreachable (CONTRAST_PCS_URL=http://127.0.0.1:1) → exit 6 collateral_unavailable", async () => {
    const r = await verify(["--tdx-quote", td(Q.debug), "--now", "2023-07-01T00:00:00Z"], {
      CONTRAST_PCS_URL: "http://127.0.0.1:1",
    });
    expectFailed(r, 6, "collateral_unavailable");
    expect(r.json.mrTd).toBe(QUOTES[2].expect.mrTd);
    cases++;
  });

  test("truncated quote → exit 3 tdx_quote_truncated, no quote fields", async () => {
    const path = writeFile("short.dat", readFileSync(td(Q.spr)).subarray(0, 700));
    const r = await verify(["--tdx-quote", path, "--no-collateral"]);
    expectFailed(r, 3, "tdx_quote_truncated");
    expect(r.json.platform).toBeUndefined();
    cases++;
  });

  test("every file under tdx/ and intel/ went through the CLI", () => {
    cli.expectEveryFileUsed(["tdx", "intel"], 13);
    expect(cases).toBe(15);
  });
});

/** A reference value the v5 quote meets, built from its own JSON output (copy-paste compatible hex). */
function referenceValueFrom(j: Json): Json {
  return { Platform: "Metal-QEMU-TDX", MrTd: j.mrTd, MrSeam: j.mrSeam, Rtmrs: j.rtmrs, Xfam: j.xfam };
}

describe("attestation verify --tdx-quote --reference-values", () => {
  // No CRL is current on 2026-02-10 (the testdata CRLs are from 2023): these runs accept that explicitly.
  const v5 = [
    "--tdx-quote",
    td(Q.v5),
    "--no-collateral",
    "--now",
    "2026-02-10T00:00:00Z",
    "--allow-missing-crl",
  ];
  async function v5Json(): Promise<Json> {
    return (await verify(v5)).json;
  }

  test("v5 quote --no-collateral with a reference value from its own output → exit 0, matched tdx[0]", async () => {
    const rv = writeFile("rv-v5.json", JSON.stringify({ tdx: [referenceValueFrom(await v5Json())] }));
    const r = await verify([...v5, "--reference-values", rv]);
    expect(r.code).toBe(0);
    expect(r.json.matchedReferenceValue).toBe("tdx[0]");
  });

  test("MRTD and RTMR2 differ → exit 5 naming both", async () => {
    const entry = referenceValueFrom(await v5Json());
    entry.MrTd = "11".repeat(48);
    entry.Rtmrs = [entry.Rtmrs[0], entry.Rtmrs[1], "22".repeat(48), entry.Rtmrs[3]];
    const rv = writeFile("rv-v5-bad.json", JSON.stringify({ tdx: [entry] }));
    const r = await verify([...v5, "--reference-values", rv]);
    expectFailed(r, 5, "reference_values_mismatch");
    const m: string[] = r.json.error.mismatches;
    expect(m.some((x) => x.startsWith("tdx[0]: mrTd"))).toBe(true);
    expect(m.some((x) => x.startsWith("tdx[0]: rtmrs[2]"))).toBe(true);
    for (const x of m) expect(r.json.error.message).toContain(x);
  });

  test("debug TD with 2023 collateral against its own measurements → exit 5, DEBUG rejected", async () => {
    const own = await verify(["--tdx-quote", td(Q.debug), ...collateral2023()]);
    const rv = writeFile("rv-debug.json", JSON.stringify({ tdx: [referenceValueFrom(own.json)] }));
    const r = await verify(["--tdx-quote", td(Q.debug), ...collateral2023(), "--reference-values", rv]);
    expect(r.code).toBe(5);
    expect(
      r.json.error.mismatches.some((x: string) => x.startsWith("tdx[0]: tdAttributes: expected DEBUG")),
    ).toBe(true);
    expect(r.json.tcbStatus.combined).toBe("UpToDate");
  });

  test("collateral given → the reference value requires a TCB status; --no-collateral does not", async () => {
    const own = await verify([
      "--tdx-quote",
      td(Q.debug),
      "--no-collateral",
      "--now",
      "2023-07-01T00:00:00Z",
    ]);
    const rv = writeFile("rv-debug-nc.json", JSON.stringify({ tdx: [referenceValueFrom(own.json)] }));
    const r = await verify([
      "--tdx-quote",
      td(Q.debug),
      "--no-collateral",
      "--now",
      "2023-07-01T00:00:00Z",
      "--reference-values",
      rv,
    ]);
    expect(r.code).toBe(5);
    expect(r.json.error.mismatches.some((x: string) => x.includes("tcbStatus"))).toBe(false);
  });
});

describe("attestation verify --tdx-quote revocation (issue 10 §3)", () => {
  const debug = () => ["--tdx-quote", td(Q.debug), "--no-collateral", "--now", "2023-07-01T00:00:00Z"];
  const down = { CONTRAST_PCS_URL: "http://127.0.0.1:1" };

  test("no CRL files and PCS unreachable → exit 6 tdx_crl_unavailable, fields still printed", async () => {
    const r = await verify(debug(), down);
    expectFailed(r, 6, "tdx_crl_unavailable");
    expect(r.json.mrTd).toBe(QUOTES[2].expect.mrTd);
  });

  test("no CRL files, PCS unreachable, --allow-missing-crl → exit 0, revocation unchecked, warned", async () => {
    const r = await verify([...debug(), "--allow-missing-crl"], down);
    expect(r.code).toBe(0);
    expect(r.json.revocation).toMatchObject({ checked: false });
    expect(r.json.warnings[0]).toContain("--allow-missing-crl");
    expect(r.stderr).toContain("warning: accepted without a current crl (--allow-missing-crl)");
  });

  test("no CRL files → the PCK CRL of the quote's CA and the root CA CRL are fetched from PCS", async () => {
    const server = startCollateralServer();
    try {
      const r = await verify(debug(), { CONTRAST_PCS_URL: server.url });
      expect(r.code).toBe(0);
      expect(r.json.revocation).toEqual({ checked: true });
      expect(server.requests).toContain("/sgx/certification/v4/pckcrl?ca=platform&encoding=der");
      expect(server.hits("/IntelSGXRootCA.der")).toBe(1);
      expect(server.hits("/tdx/certification/v4/tcb")).toBe(0);
    } finally {
      server.stop();
    }
  });

  test("both CRL files given → nothing fetched", async () => {
    const server = startCollateralServer();
    try {
      const files = ["--pck-crl", td(PCK_CRL), "--root-crl", td(ROOT_CRL)];
      const r = await verify([...debug(), ...files], { CONTRAST_PCS_URL: server.url });
      expect(r.code).toBe(0);
      expect(r.json.revocation.checked).toBe(true);
      expect(server.requests).toEqual([]);
    } finally {
      server.stop();
    }
  });

  test("PCS answers the PCK CRL with the root CA's CRL → exit 4 tdx_crl_issuer_mismatch", async () => {
    const server = startCollateralServer();
    try {
      const headers = { "SGX-PCK-CRL-Issuer-Chain": encodedChain("tdx/pckcrl_issuer_chain.pem") };
      server.faults.set("/sgx/certification/v4/pckcrl", {
        kind: "body",
        body: readTestdata(ROOT_CRL),
        headers,
      });
      const r = await verify(debug(), { CONTRAST_PCS_URL: server.url });
      expectFailed(r, 4, "tdx_crl_issuer_mismatch");
    } finally {
      server.stop();
    }
  });

  test("PCS without CRLs: an entry with AllowMissingCRL matches (warned), one without → exit 6 naming it", async () => {
    const noCrls = startCollateralServer();
    noCrls.faults.set("/sgx/certification/v4/pckcrl", { kind: "status", status: 404 });
    noCrls.faults.set("/IntelSGXRootCA.der", { kind: "status", status: 404 });
    const down = { CONTRAST_PCS_URL: noCrls.url };
    // The v5 quote (not a debug TD) meets a reference value built from its own output.
    const v5 = ["--tdx-quote", td(Q.v5), "--no-collateral", "--now", "2026-02-10T00:00:00Z"];
    const own = (await verify([...v5, "--allow-missing-crl"], down)).json;
    const strict = referenceValueFrom(own);
    const lenient = { ...strict, AllowMissingCRL: true };
    const withRv = (entries: Json[], name: string) => [
      ...v5,
      "--reference-values",
      writeFile(name, JSON.stringify({ tdx: entries })),
    ];
    const ok = await verify(withRv([lenient], "rv-lenient.json"), down);
    expect(ok.code).toBe(0);
    expect(ok.json.matchedReferenceValue).toBe("tdx[0]");
    expect(ok.stderr).toContain("warning: tdx[0]: accepted without a current crl (AllowMissingCRL)");
    const refused = await verify(withRv([strict], "rv-strict.json"), down);
    expectFailed(refused, 6, "tdx_crl_unavailable");
    expect(refused.json.error.message).toContain("tdx[0]: crl:");
    noCrls.stop();
  });
});
