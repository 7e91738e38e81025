// `contrast attestation verify --snp-report` run through the real cac parser against every amd/ and snp/ vector.

import { afterAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { issueSimReport } from "../../src/attestation/sim/issue-report.ts";
import {
  DEFAULT_SNP_GUEST_POLICY,
  DEFAULT_SNP_PLATFORM_INFO,
} from "../../src/attestation/snp/reference-value.ts";
import { startCollateralServer } from "../attestation/fixtures/collateral-server.ts";
import {
  createTestSim,
  HOST_DATA,
  REPORT_DATA,
  SIM_NOW,
  SIM_TIMEOUT_MS,
  simCrl,
  simSerials,
} from "../attestation/sim/fixture.ts";
import { attestationCli, expectFailed, type Json, type VerifyRun } from "./attestation-fixture.ts";

/**
 * A local KDS that has no CRL (the testdata holds no AMD CRL, README "Not available"): every run asks it, never AMD.
 * The README vector runs therefore pass --allow-missing-crl; revocation itself is tested below with CRLs signed by
 * the sim ARK.
 */
const kds = startCollateralServer();
for (const kind of ["vcek", "vlek"])
  for (const product of ["Milan", "Genoa", "Turin"])
    kds.faults.set(`/${kind}/v1/${product}/crl`, { kind: "status", status: 404 });
afterAll(() => kds.stop());

const cli = attestationCli("snp", { CONTRAST_KDS_URL: kds.url });
const { tmp, td } = cli;

/** Runs `contrast attestation verify ARGS --json` in-process (with --allow-missing-crl unless told otherwise). */
function verify(
  args: string[],
  opts: { json?: boolean; allowMissingCrl?: boolean; env?: Record<string, string> } = {},
): Promise<VerifyRun> {
  const allow = (opts.allowMissingCrl ?? true) ? ["--allow-missing-crl"] : [];
  return cli.verify([...args, ...allow], opts.env, opts.json);
}

function flip(rel: string, offset: number): string {
  const bytes = new Uint8Array(readFileSync(td(rel)));
  bytes[offset] = bytes[offset]! ^ 0x01;
  const path = join(tmp, `flipped-${rel.replace("/", "-")}`);
  writeFileSync(path, bytes);
  return path;
}

function writeJson(name: string, value: unknown): string {
  const path = join(tmp, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

function sha256OfPemCert(rel: string, index: number): string {
  const text = readFileSync(td(rel), "utf8");
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
  const b64 = (blocks[index] ?? "").replace(/-----[A-Z ]+-----|\s/g, "");
  return createHash("sha256").update(Buffer.from(b64, "base64")).digest("hex");
}

const MEASUREMENT_OFFSET = 0x90;
const MILAN_TCB_2_0_5_68 = { bootloader: 2, tee: 0, snp: 5, microcode: 68 };

/** README rows of the good reports: paired cert, amd/ bundle, and fields the README states. */
const GOOD = [
  {
    report: "snp/milan_v2_gosevguest_report.bin",
    cert: "snp/milan_v2_gosevguest_vcek.der",
    chain: "amd/milan_vcek_cert_chain.pem",
    expect: {
      version: 2,
      product: "Milan",
      measurement:
        "b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872b01",
      reportData: `0102030405${"00".repeat(59)}`,
      hostData: "00".repeat(32),
      reportedTcb: MILAN_TCB_2_0_5_68,
      committedTcb: MILAN_TCB_2_0_5_68,
      launchTcb: MILAN_TCB_2_0_5_68,
      currentTcb: MILAN_TCB_2_0_5_68,
      currentVersion: "1.49.3",
    },
  },
  {
    report: "snp/milan_v2_virtee_report.bin",
    cert: "snp/milan_v2_virtee_vcek.der",
    chain: "amd/milan_vcek_cert_chain.pem",
    expect: {
      version: 2,
      product: "Milan",
      measurement:
        "7a1e5c266c0108dbc9bb94fa926951320940915d0aafb42464bd88b579ea158d3e1a0dc39b2c60bd95b9c480cd81841f",
      reportData:
        "d447b55d197491bfe15cf298f9de9986b7a7c4be2468b4f6e2d53b71d7c645810b0f2cdfca0040433be063fc1a8293f0f3f8dae7b79fecb3d1cd82bd6a93ebfd",
      reportedTcb: { bootloader: 3, tee: 0, snp: 8, microcode: 115 },
      currentVersion: "1.52.4",
    },
  },
  {
    report: "snp/milan_v2_coco_report.bin",
    cert: "snp/milan_v2_coco_vcek.der",
    chain: "amd/milan_vcek_cert_chain.pem",
    expect: {
      version: 2,
      product: "Milan",
      guestSvn: 4,
      measurement:
        "a1f3930413247bb38cfc171579ea3c12d5fe4901f0c792f63fd75d98f1ef827c23500644e0e692e6be917f9050d3d38c",
      idKeyDigest:
        "0356215882a825279a85b300b0b742931d113bf7e32dde2e50ffde7ec743ca491ecdd7f336dc28a6e0b2bb57af7a44a3",
      reportedTcb: { bootloader: 3, tee: 0, snp: 8, microcode: 115 },
      currentTcb: { bootloader: 3, tee: 0, snp: 8, microcode: 206 },
    },
  },
  {
    report: "snp/genoa_v3_coco_e2e_report.bin",
    cert: "snp/genoa_v3_coco_e2e_vcek.der",
    chain: "amd/genoa_vcek_cert_chain.pem",
    expect: {
      version: 3,
      product: "Genoa",
      vmpl: 0,
      measurement:
        "6a6519d757e68c2e939c9dbbbc1828498e8de35d2766dd05f1a2cca5059d0cf4ae62a36d75c837974dd50b315506e73e",
      reportedTcb: { bootloader: 10, tee: 0, snp: 23, microcode: 25 },
      currentVersion: "1.55.40",
      cpuid: { family: 0x19, model: 0xa0, stepping: 2 },
    },
  },
] as const;

const VLEK = { report: "snp/milan_v3_vlek_aws_report.bin", cert: "snp/milan_v3_vlek_aws_vlek.der" };

describe("attestation verify --snp-report (README vectors)", () => {
  let cases = 0;
  for (const v of GOOD) {
    test(`${v.report} with its vcek → exit 0 and the README fields`, async () => {
      const r = await verify(["--snp-report", td(v.report), "--cert", td(v.cert), "--now", "2026-01-01"]);
      expect(r.code).toBe(0);
      expect(r.json).toMatchObject({ platform: "snp", signingKey: "vcek", ...v.expect });
      expect(r.json.error).toBeUndefined();
      expect(r.json.ark.source).toBe("amd");
      expect(r.json.revocation.checked).toBe(false);
      expect(r.json.warnings[0]).toContain("--allow-missing-crl");
      cases++;
    });
    test(`${v.report} with --chain ${v.chain} → exit 0, the bundle's ARK is the root`, async () => {
      const r = await verify([
        "--snp-report",
        td(v.report),
        "--cert",
        td(v.cert),
        "--chain",
        td(v.chain),
        "--now",
        "2026-01-01",
      ]);
      expect(r.code).toBe(0);
      expect(r.json.ark.sha256).toBe(sha256OfPemCert(v.chain, 1));
      cases++;
    });
  }

  // Policy 0xb0000 = bits 16, 17, 19: by the ABI table (AMD SEV-SNP Firmware ABI #56860, guest policy) that is SMT + reserved + DEBUG; the README's
  // "MIGRATE_MA=1" reading contradicts that table (bit 18 is clear).
  test("gosevguest report → policy 0xb0000 decoded per the ABI table, platform info 0x1, README chip id", async () => {
    const r = await verify(["--snp-report", td(GOOD[0].report), "--cert", td(GOOD[0].cert)]);
    expect(r.code).toBe(0);
    expect(r.json.policy).toMatchObject({
      abiMajor: 0,
      abiMinor: 0,
      smt: true,
      migrateMa: false,
      debug: true,
    });
    expect(r.json.platformInfo).toMatchObject({ raw: "0x1", smtEnabled: true, tsmeEnabled: false });
    expect(r.json.chipId.startsWith("3ac3fe21")).toBe(true);
    expect(r.json.chipId.endsWith("006b5d")).toBe(true);
    cases++;
  });

  test("vlek report with --now 2025-06-01 and the milan_vlek chain → exit 0, VMPL 1, VLEK SPLs", async () => {
    const chain = "amd/milan_vlek_cert_chain.pem";
    const args = ["--snp-report", td(VLEK.report), "--cert", td(VLEK.cert), "--chain", td(chain)];
    const r = await verify([...args, "--now", "2025-06-01"]);
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({
      version: 3,
      product: "Milan",
      signingKey: "vlek",
      vmpl: 1,
      chipId: "00".repeat(64),
      reportedTcb: { bootloader: 4, tee: 0, snp: 24, microcode: 217 },
      currentTcb: { bootloader: 4, tee: 0, snp: 24, microcode: 220 },
      platformInfo: { raw: "0x27" },
      currentVersion: "1.55.29",
    });
    expect(r.json.ark.sha256).toBe(sha256OfPemCert(chain, 1));
    cases++;
  });

  test("vlek report today (certificate expired 2025-12-10) → exit 4 snp_cert_expired, fields still printed", async () => {
    const r = await verify(["--snp-report", td(VLEK.report), "--cert", td(VLEK.cert)]);
    expectFailed(r, 4, "snp_cert_expired");
    expect(r.json.signingKey).toBe("vlek");
    cases++;
  });

  const failures: [string, string[], string][] = [
    [
      "vlek with the vcek chain (ASK instead of ASVK)",
      [VLEK.report, VLEK.cert, "amd/milan_vcek_cert_chain.pem", "2025-06-01"],
      "snp_chain_invalid",
    ],
    [
      "genoa vcek report with the genoa vlek chain (ASVK instead of ASK)",
      [GOOD[3].report, GOOD[3].cert, "amd/genoa_vlek_cert_chain.pem", "2026-01-01"],
      "snp_chain_invalid",
    ],
    [
      "turin vcek (chain-only vector) under the turin chain, paired with a milan report",
      [GOOD[0].report, "snp/turin_virtee_vcek.der", "amd/turin_vcek_cert_chain.pem", "2026-01-01"],
      // The chain verifies; only then is the report signature checked, and it is not this key's.
      "snp_bad_signature",
    ],
    [
      "turin vcek with the turin vlek chain",
      [GOOD[0].report, "snp/turin_virtee_vcek.der", "amd/turin_vlek_cert_chain.pem", "2026-01-01"],
      "snp_chain_invalid",
    ],
    [
      "gosevguest report with the virtee vcek (wrong pairing)",
      [GOOD[0].report, GOOD[1].cert, "", "2026-01-01"],
      "snp_bad_signature",
    ],
    [
      "coco report with the known-bad legacy vcek",
      [GOOD[2].report, "snp/bad_vcek_coco_invalid_legacy.der", "", "2026-01-01"],
      "snp_chain_invalid",
    ],
  ];
  for (const [name, [report, cert, chain, now], code] of failures) {
    test(`${name} → exit 4 ${code}`, async () => {
      const args = ["--snp-report", td(report!), "--cert", td(cert!), "--now", now!];
      const r = await verify(chain ? [...args, "--chain", td(chain)] : args);
      expect(r.code).toBe(4);
      expect(r.json.error.code).toBe(code);
      expect(r.json.platform).toBe("snp");
      cases++;
    });
  }

  test("turin vcek → the report is decoded in the Turin layout the certificate names", async () => {
    const r = await verify(["--snp-report", td(GOOD[0].report), "--cert", td("snp/turin_virtee_vcek.der")]);
    expect(r.json.product).toBe("Turin");
    expect(Object.keys(r.json.reportedTcb)).toEqual(["fmc", "bootloader", "tee", "snp", "microcode"]);
    cases++;
  });

  for (const v of [...GOOD, { ...VLEK, now: "2025-06-01" }]) {
    test(`${v.report} with one MEASUREMENT byte flipped → exit 4 snp_bad_signature`, async () => {
      const now = "now" in v ? v.now : "2026-01-01";
      const flipped = flip(v.report, MEASUREMENT_OFFSET);
      const r = await verify(["--snp-report", flipped, "--cert", td(v.cert), "--now", now]);
      expectFailed(r, 4, "snp_bad_signature");
      expect(r.json.measurement.slice(0, 2)).not.toBe(
        readFileSync(td(v.report))
          .subarray(MEASUREMENT_OFFSET, MEASUREMENT_OFFSET + 1)
          .toString("hex"),
      );
      cases++;
    });
  }

  test("truncated report → exit 3 snp_report_length, no report fields", async () => {
    const path = join(tmp, "short.bin");
    writeFileSync(path, readFileSync(td(GOOD[0].report)).subarray(0, 1000));
    const r = await verify(["--snp-report", path, "--cert", td(GOOD[0].cert)]);
    expectFailed(r, 3, "snp_report_length");
    expect(r.json.platform).toBeUndefined();
    cases++;
  });

  test("every file under amd/ and snp/ went through the CLI", () => {
    cli.expectEveryFileUsed(["amd", "snp"], 18);
    expect(cases).toBe(24);
  });
});

/** A reference value that the gosevguest report meets (policy 0xb0000 = SMT + DEBUG, platform info 0x1, TCB 2/0/5/68). */
function gosevguestReferenceValue(): Json {
  return {
    Platform: "Metal-QEMU-SNP",
    ProductName: "Milan",
    TrustedMeasurement: GOOD[0].expect.measurement,
    MinimumTCB: { BootloaderVersion: 2, TEEVersion: 0, SNPVersion: 5, MicrocodeVersion: 68 },
    GuestPolicy: { ...DEFAULT_SNP_GUEST_POLICY, Debug: true },
    PlatformInfo: { ...DEFAULT_SNP_PLATFORM_INFO },
  };
}

function withField(base: Json, path: string[], value: unknown): Json {
  const copy = structuredClone(base);
  let o = copy;
  for (const k of path.slice(0, -1)) o = o[k];
  o[path[path.length - 1]!] = value;
  return copy;
}

describe("attestation verify --snp-report --reference-values", () => {
  const gosev = () => ["--snp-report", td(GOOD[0].report), "--cert", td(GOOD[0].cert)];

  test("matching entry → exit 0, matchedReferenceValue snp[0]", async () => {
    const rv = writeJson("rv-match.json", { snp: [gosevguestReferenceValue()] });
    const r = await verify([...gosev(), "--reference-values", rv]);
    expect(r.code).toBe(0);
    expect(r.json.matchedReferenceValue).toBe("snp[0]");
  });

  const rows: [string, string[], unknown, string][] = [
    ["measurement", ["TrustedMeasurement"], "ab".repeat(48), "snp[0]: measurement"],
    ["minimum snp svn", ["MinimumTCB", "SNPVersion"], 6, "snp[0]: reportedTcb"],
    ["debug forbidden", ["GuestPolicy", "Debug"], false, "snp[0]: policy"],
    ["product", ["ProductName"], "Genoa", "snp[0]: product"],
  ];
  for (const [name, path, value, prefix] of rows) {
    test(`${name} differs → exit 5 reference_values_mismatch naming it`, async () => {
      const rv = writeJson(`rv-${path.join("-")}.json`, {
        snp: [withField(gosevguestReferenceValue(), path, value)],
      });
      const r = await verify([...gosev(), "--reference-values", rv]);
      expectFailed(r, 5, "reference_values_mismatch");
      expect(r.json.error.mismatches.some((m: string) => m.startsWith(prefix))).toBe(true);
      expect(r.json.measurement).toBe(GOOD[0].expect.measurement);
    });
  }

  test("two mismatching entries → exit 5 with every mismatch of both in error.message", async () => {
    const base = gosevguestReferenceValue();
    const bad0 = withField(
      withField(base, ["TrustedMeasurement"], "cd".repeat(48)),
      ["GuestPolicy", "SMT"],
      false,
    );
    const bad1 = withField(base, ["MinimumTCB", "MicrocodeVersion"], 200);
    const rv = writeJson("rv-two.json", { snp: [bad0, bad1] });
    const r = await verify([...gosev(), "--reference-values", rv]);
    expect(r.code).toBe(5);
    const mismatches: string[] = r.json.error.mismatches;
    expect(mismatches.length).toBeGreaterThanOrEqual(3);
    for (const m of mismatches) expect(r.json.error.message).toContain(m);
    expect(mismatches.filter((m) => m.startsWith("snp[0]: ")).length).toBeGreaterThanOrEqual(2);
    expect(mismatches.some((m) => m.startsWith("snp[1]: "))).toBe(true);
  });

  test("first entry mismatches, second matches → exit 0, matched snp[1]", async () => {
    const bad = withField(gosevguestReferenceValue(), ["TrustedMeasurement"], "cd".repeat(48));
    const rv = writeJson("rv-second.json", { snp: [bad, gosevguestReferenceValue()] });
    const r = await verify([...gosev(), "--reference-values", rv]);
    expect(r.code).toBe(0);
    expect(r.json.matchedReferenceValue).toBe("snp[1]");
  });

  test("vlek report at VMPL 1 against a VMPL-0 reference value → exit 5 naming vmpl", async () => {
    const entry = withField(gosevguestReferenceValue(), ["TrustedMeasurement"], "8922ebbd".padEnd(96, "0"));
    const rv = writeJson("rv-vlek.json", { snp: [entry] });
    const args = ["--snp-report", td(VLEK.report), "--cert", td(VLEK.cert), "--now", "2025-06-01"];
    const r = await verify([...args, "--reference-values", rv]);
    expect(r.code).toBe(5);
    expect(r.json.error.mismatches.some((m: string) => m.startsWith("snp[0]: vmpl"))).toBe(true);
  });

  test("only tdx entries for an snp report → exit 5 no_reference_values", async () => {
    const rv = writeJson("rv-tdx-only.json", {
      tdx: [
        {
          Platform: "Metal-QEMU-TDX",
          MrTd: "00".repeat(48),
          MrSeam: "00".repeat(48),
          Rtmrs: ["00".repeat(48), "00".repeat(48), "00".repeat(48), "00".repeat(48)],
          Xfam: "00".repeat(8),
        },
      ],
    });
    const r = await verify([...gosev(), "--reference-values", rv]);
    expectFailed(r, 5, "no_reference_values");
  });

  test("malformed reference values → exit 3 invalid_reference_values with every JSON path", async () => {
    const entry = { ...withField(gosevguestReferenceValue(), ["TrustedMeasurement"], "abc"), Extra: 1 };
    const rv = writeJson("rv-bad.json", { snp: [entry] });
    const r = await verify([...gosev(), "--reference-values", rv]);
    expectFailed(r, 3, "invalid_reference_values");
    expect(r.json.error.message).toContain("snp[0].TrustedMeasurement");
    expect(r.json.error.message).toContain("snp[0].Extra");
  });
});

describe("attestation verify --snp-report with the simulated TEE", () => {
  async function simFiles() {
    const sim = await createTestSim();
    const ev = await issueSimReport(sim, HOST_DATA, REPORT_DATA);
    const pem = (der: Uint8Array) =>
      `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString("base64")}\n-----END CERTIFICATE-----\n`;
    writeFileSync(join(tmp, "sim-report.bin"), ev.report);
    writeFileSync(join(tmp, "sim-vcek.der"), ev.vcek);
    writeFileSync(join(tmp, "sim-chain.pem"), pem(ev.ask) + pem(ev.ark));
    writeFileSync(join(tmp, "sim-crl.der"), ev.crl!);
    const now = new Date(SIM_NOW.getTime() + 86_400_000).toISOString();
    return {
      args: ["--snp-report", join(tmp, "sim-report.bin"), "--cert", join(tmp, "sim-vcek.der")],
      chain: ["--chain", join(tmp, "sim-chain.pem"), "--now", now],
      crl: ["--crl", join(tmp, "sim-crl.der")],
      referenceValues: sim.referenceValuesPath,
    };
  }

  test(
    "sim chain with the sim dir's reference values and its CRL → exit 0, trusted root, revocation checked",
    async () => {
      const f = await simFiles();
      const args = [...f.args, ...f.chain, ...f.crl, "--reference-values", f.referenceValues];
      const r = await verify(args, { allowMissingCrl: false });
      expect(r.code).toBe(0);
      expect(r.json.ark.source).toBe("trusted");
      expect(r.json.matchedReferenceValue).toBe("snp[0]");
      expect(r.json.revocation).toEqual({ checked: true, crls: ["given"] });
      expect(r.stderr).toContain("SimulatedARK");
    },
    SIM_TIMEOUT_MS,
  );

  test(
    "sim chain without reference values → exit 4 snp_untrusted_root",
    async () => {
      const f = await simFiles();
      const r = await verify([...f.args, ...f.chain]);
      expectFailed(r, 4, "snp_untrusted_root");
    },
    SIM_TIMEOUT_MS,
  );

  test(
    "real AMD report against the sim reference values → exit 5 naming the ark",
    async () => {
      const f = await simFiles();
      const r = await verify([...gosevArgs(), "--reference-values", f.referenceValues]);
      expect(r.code).toBe(5);
      expect(r.json.error.mismatches.some((m: string) => m.startsWith("snp[0]: ark"))).toBe(true);
    },
    SIM_TIMEOUT_MS,
  );
});

function gosevArgs(): string[] {
  return ["--snp-report", td(GOOD[0].report), "--cert", td(GOOD[0].cert)];
}

describe("attestation verify --snp-report revocation (issue 10 §3)", () => {
  const gosev = () => ["--snp-report", td(GOOD[0].report), "--cert", td(GOOD[0].cert), "--now", "2026-01-01"];
  const strict = { allowMissingCrl: false };

  test("AMD vector, KDS has no CRL → exit 6 snp_crl_unavailable, fields still printed", async () => {
    const r = await verify(gosev(), strict);
    expectFailed(r, 6, "snp_crl_unavailable");
    expect(r.json.measurement).toBe(GOOD[0].expect.measurement);
    expect(kds.requests).toContain("/vcek/v1/Milan/crl");
  });

  test("AMD vector, KDS unreachable → exit 6 snp_crl_unavailable", async () => {
    const r = await verify(gosev(), { ...strict, env: { CONTRAST_KDS_URL: "http://127.0.0.1:1" } });
    expectFailed(r, 6, "snp_crl_unavailable");
  });

  test("AMD vector, KDS unreachable, --allow-missing-crl → exit 0, unchecked, warned twice on stderr", async () => {
    const r = await verify(gosev(), { env: { CONTRAST_KDS_URL: "http://127.0.0.1:1" } });
    expect(r.code).toBe(0);
    expect(r.json.revocation.checked).toBe(false);
    expect(r.stderr).toContain("warning: --allow-missing-crl:");
    expect(r.stderr).toContain("warning: accepted without a current crl (--allow-missing-crl)");
  });

  test("AMD vector, KDS serves a CRL the AMD ARK did not sign → exit 4 snp_crl_bad_signature", async () => {
    const server = startCollateralServer(); // its KDS CRL route serves an Intel CRL as a stand-in
    try {
      const r = await verify(gosev(), { env: { CONTRAST_KDS_URL: server.url } });
      expectFailed(r, 4, "snp_crl_bad_signature");
      expect(server.hits("/vcek/v1/Milan/crl")).toBe(1);
    } finally {
      server.stop();
    }
  });

  /** Sim report files plus a local "sim KDS" serving `crl` at the KDS CRL path. */
  async function simRun(opts: { given?: Uint8Array; served?: Uint8Array; rv?: unknown }) {
    const sim = await createTestSim();
    const ev = await issueSimReport(sim, HOST_DATA, REPORT_DATA);
    const pem = (der: Uint8Array) =>
      `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString("base64")}\n-----END CERTIFICATE-----\n`;
    const dir = mkdtempSync(join(tmp, "sim-rev-"));
    writeFileSync(join(dir, "report.bin"), ev.report);
    writeFileSync(join(dir, "vcek.der"), ev.vcek);
    writeFileSync(join(dir, "chain.pem"), pem(ev.ask) + pem(ev.ark));
    const now = new Date(SIM_NOW.getTime() + 86_400_000).toISOString();
    const args = ["--snp-report", join(dir, "report.bin"), "--cert", join(dir, "vcek.der")];
    args.push("--chain", join(dir, "chain.pem"), "--now", now);
    if (opts.given) {
      writeFileSync(join(dir, "crl.der"), opts.given);
      args.push("--crl", join(dir, "crl.der"));
    }
    const rv = opts.rv ?? JSON.parse(readFileSync(sim.referenceValuesPath, "utf8"));
    args.push("--reference-values", writeJson(`rv-${Math.random()}.json`, rv));
    const server = startCollateralServer();
    if (opts.served) server.faults.set("/vcek/v1/Milan/crl", { kind: "body", body: opts.served });
    else server.faults.set("/vcek/v1/Milan/crl", { kind: "status", status: 404 });
    try {
      const r = await verify(args, { ...strict, env: { CONTRAST_SIM_KDS_URL: server.url } });
      return { r, hits: server.hits("/vcek/v1/Milan/crl") };
    } finally {
      server.stop();
    }
  }

  test(
    "sim VCEK listed in the CRL given with --crl → exit 4 snp_revoked naming the vcek",
    async () => {
      const sim = await createTestSim();
      const { r } = await simRun({ given: await simCrl(sim, { revoked: [simSerials(sim).vcek] }) });
      expectFailed(r, 4, "snp_revoked");
      expect(r.json.error.message.startsWith("vcek:")).toBe(true);
    },
    SIM_TIMEOUT_MS,
  );

  test(
    "sim ASK listed in the CRL the sim KDS serves → exit 4 snp_revoked naming the ask",
    async () => {
      const sim = await createTestSim();
      const { r, hits } = await simRun({ served: await simCrl(sim, { revoked: [simSerials(sim).ask] }) });
      expectFailed(r, 4, "snp_revoked");
      expect(r.json.error.message.startsWith("ask:")).toBe(true);
      expect(hits).toBe(1);
    },
    SIM_TIMEOUT_MS,
  );

  test(
    "an older CRL given with --crl never replaces the fetched one that revokes the VCEK → exit 4 snp_revoked",
    async () => {
      const sim = await createTestSim();
      const older = await simCrl(sim, { now: new Date(SIM_NOW.getTime() - 86_400_000) });
      const served = await simCrl(sim, { revoked: [simSerials(sim).vcek] });
      const { r } = await simRun({ given: older, served });
      expectFailed(r, 4, "snp_revoked");
    },
    SIM_TIMEOUT_MS,
  );

  test(
    "CRL from the sim KDS signed by another key → exit 4 snp_crl_bad_signature, even with a good --crl",
    async () => {
      const sim = await createTestSim();
      const other = await createTestSim("Genoa");
      const forged = await simCrl(other, {});
      const { r } = await simRun({ given: await simCrl(sim, {}), served: forged });
      expectFailed(r, 4, "snp_crl_bad_signature");
    },
    SIM_TIMEOUT_MS,
  );

  test(
    "no CRL anywhere → exit 6; the same with AllowMissingCRL in the entry → exit 0, warning naming it",
    async () => {
      const sim = await createTestSim();
      const refused = await simRun({});
      expect(refused.r.code).toBe(6);
      expect(refused.r.json.error.code).toBe("snp_crl_unavailable");
      expect(refused.r.json.error.message).toContain("snp[0]: crl:");
      const rv = JSON.parse(readFileSync(sim.referenceValuesPath, "utf8"));
      rv.snp[0].AllowMissingCRL = true;
      const allowed = await simRun({ rv });
      expect(allowed.r.code).toBe(0);
      expect(allowed.r.json.revocation.checked).toBe(false);
      expect(allowed.r.stderr).toContain("warning: snp[0]: accepted without a current crl (AllowMissingCRL)");
    },
    SIM_TIMEOUT_MS,
  );
});
