// `contrast attestation verify` flags, inputs and output modes: usage errors, --now, reference-value files, human
// output, and one run as a separate process.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cac } from "cac";
import { registerAttestation } from "../../src/cli/attestation.ts";
import { parseNow } from "../../src/cli/attestation-input.ts";
import { parseAndRun } from "../../src/command/command.ts";
import { UsageError } from "../../src/common/errors.ts";
import { parseReferenceValues, ReferenceValuesError } from "../../src/manifest/parse-reference-values.ts";
import { startCollateralServer } from "../attestation/fixtures/collateral-server.ts";
import { expectError } from "../support/expect-error.ts";
import { testdata } from "../support/testdata.ts";

const REPO = join(import.meta.dir, "..", "..");
const DATA = testdata("attestation");
const REPORT = join(DATA, "snp", "milan_v2_gosevguest_report.bin");
const VCEK = join(DATA, "snp", "milan_v2_gosevguest_vcek.der");
const QUOTE = join(DATA, "tdx", "quote_v4_coco_debugtd.dat");
const tmp = mkdtempSync(join(tmpdir(), "contrast-attestation-usage-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function writeFile(name: string, data: string | Uint8Array): string {
  const path = join(tmp, name);
  writeFileSync(path, data);
  return path;
}

/** A local KDS without CRLs (none exists in the testdata): the AMD vectors pass only with --allow-missing-crl. */
const kds = startCollateralServer();
for (const p of ["Milan", "Genoa", "Turin"])
  kds.faults.set(`/vcek/v1/${p}/crl`, { kind: "status", status: 404 });
afterAll(() => kds.stop());

/** Runs the command in-process; `json` parses stdout when it is not empty. */
async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const cli = cac("contrast");
  const env = {
    CONTRAST_CACHE_DIR: join(tmp, "cache"),
    CONTRAST_PCS_URL: "http://127.0.0.1:1",
    CONTRAST_KDS_URL: kds.url,
  };
  registerAttestation(cli, {
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    env,
    clock: () => new Date(),
  });
  await parseAndRun(cli, ["attestation", "verify", ...args]);
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  const stdout = out.join("");
  return {
    code,
    stdout,
    stderr: err.join(""),
    json: stdout.startsWith("{") ? JSON.parse(stdout) : undefined,
  };
}

describe("parseNow", () => {
  const valid: [string, string][] = [
    ["2025-06-01", "2025-06-01T00:00:00.000Z"],
    ["2025-06-01T12:30:00Z", "2025-06-01T12:30:00.000Z"],
    ["2025-06-01T12:30:00.5z", "2025-06-01T12:30:00.500Z"],
    ["2025-06-01T12:30:00+02:00", "2025-06-01T10:30:00.000Z"],
    ["2024-02-29T00:00:00Z", "2024-02-29T00:00:00.000Z"],
  ];
  for (const [text, iso] of valid) {
    test(`${text} → ${iso}`, () => expect(parseNow(text).toISOString()).toBe(iso));
  }
  const invalid = [
    "2025-02-30",
    "2023-02-29T00:00:00Z",
    "2025-06-01T24:00:00Z",
    "2025-06-01T12:60:00Z",
    "2025-06-01T12:30:00",
    "yesterday",
    "1717200000",
    "",
  ];
  for (const text of invalid) {
    test(`${JSON.stringify(text)} → UsageError invalid_argument`, () =>
      expectError(() => parseNow(text), UsageError, "invalid_argument"));
  }
  test("absent → the injected clock", () => {
    const t = new Date("2030-01-01T00:00:00Z");
    expect(parseNow(undefined, () => t)).toBe(t);
  });
});

const TDX_ENTRY = {
  Platform: "Metal-QEMU-TDX",
  MrTd: "00".repeat(48),
  MrSeam: "00".repeat(48),
  Rtmrs: ["00".repeat(48), "00".repeat(48), "00".repeat(48), "00".repeat(48)],
  Xfam: "e702060000000000",
};

describe("parseReferenceValues", () => {
  const bytes = (v: unknown) => new TextEncoder().encode(typeof v === "string" ? v : JSON.stringify(v));

  test("tdx only, snp null → one tdx entry, no snp key", () => {
    const rv = parseReferenceValues(bytes({ snp: null, tdx: [TDX_ENTRY] }));
    expect(rv.tdx).toHaveLength(1);
    expect(rv.snp).toBeUndefined();
  });

  const rows: [string, unknown, string][] = [
    ["not json", "{", "(root): expected utf-8 json"],
    ["an array", [TDX_ENTRY], "(root): expected object"],
    ["no entries", { snp: [], tdx: [] }, "(root): expected at least one"],
    ["unknown top-level key", { tdx: [TDX_ENTRY], sev: [] }, "sev: unknown field"],
    ["short MrTd", { tdx: [{ ...TDX_ENTRY, MrTd: "00" }] }, "tdx[0].MrTd: expected 96 hex"],
    ["three RTMRs", { tdx: [{ ...TDX_ENTRY, Rtmrs: TDX_ENTRY.Rtmrs.slice(1) }] }, "tdx[0].Rtmrs: expected 4"],
    [
      "unknown TCB status",
      { tdx: [{ ...TDX_ENTRY, AllowedTCBStatuses: ["Fine"] }] },
      "tdx[0].AllowedTCBStatuses[0]",
    ],
    ["snp entry missing fields", { snp: [{ Platform: "x" }] }, "snp[0].ProductName: required field missing"],
  ];
  for (const [name, doc, problem] of rows) {
    test(`${name} → ReferenceValuesError naming ${problem.split(":")[0]}`, () => {
      let caught: unknown;
      try {
        parseReferenceValues(bytes(doc));
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(ReferenceValuesError);
      const e = caught as ReferenceValuesError;
      expect(e.code).toBe("invalid_reference_values");
      expect(e.problems.some((p) => p.startsWith(problem))).toBe(true);
    });
  }
});

describe("attestation verify usage and inputs", () => {
  const snp = ["--snp-report", REPORT, "--cert", VCEK];
  const rows: [string, string[], number, string][] = [
    ["neither report nor quote", ["--cert", VCEK], 2, "missing_argument"],
    ["both report and quote", [...snp, "--tdx-quote", QUOTE], 2, "missing_argument"],
    ["snp report without --cert", ["--snp-report", REPORT], 2, "missing_argument"],
    ["tdx flag with an snp report", [...snp, "--pck-crl", QUOTE], 2, "invalid_argument"],
    ["snp flag with a tdx quote", ["--tdx-quote", QUOTE, "--cert", VCEK], 2, "invalid_argument"],
    ["--tcb-info without --qe-identity", ["--tdx-quote", QUOTE, "--tcb-info", QUOTE], 2, "missing_argument"],
    [
      "--tcb-info and --qe-identity without --tcb-signing-chain",
      ["--tdx-quote", QUOTE, "--tcb-info", QUOTE, "--qe-identity", QUOTE],
      2,
      "missing_argument",
    ],
    [
      "--no-collateral with --tcb-info",
      ["--tdx-quote", QUOTE, "--no-collateral", "--tcb-info", QUOTE],
      2,
      "invalid_argument",
    ],
    ["--now not RFC 3339", [...snp, "--now", "June 1st"], 2, "invalid_argument"],
    ["missing report file", ["--snp-report", join(tmp, "nope.bin"), "--cert", VCEK], 3, "unreadable_file"],
    [
      "--chain with one certificate",
      [...snp, "--chain", join(DATA, "intel", "intel_sgx_root_ca.pem")],
      3,
      "invalid_cert_chain",
    ],
    ["--crl that is not a crl", [...snp, "--crl", REPORT], 3, "snp_crl_invalid"],
    ["--cert that is not a certificate", ["--snp-report", REPORT, "--cert", REPORT], 3, "snp_cert_invalid"],
    [
      "--reference-values that is not json",
      [...snp, "--reference-values", REPORT],
      3,
      "invalid_reference_values",
    ],
  ];
  for (const [name, args, exit, code] of rows) {
    test(`${name} → exit ${exit} ${code}, one JSON object with the error`, async () => {
      const r = await run([...args, "--json"]);
      expect(r.code).toBe(exit);
      expect(r.json.error.code).toBe(code);
      expect(r.stdout.trim().split("\n").at(-1)).toBe("}");
    });
  }

  test("cac rejects an unknown flag → exit 2", async () => {
    expect((await run([...snp, "--vcek", VCEK])).code).toBe(2);
  });

  test("digits-only file name (cac reads it as a number) is still a path", async () => {
    const dir = mkdtempSync(join(tmp, "digits-"));
    writeFileSync(join(dir, "1184"), readFileSync(REPORT));
    const prev = process.cwd();
    process.chdir(dir);
    try {
      const r = await run(["--snp-report", "1184", "--cert", VCEK, "--json", "--allow-missing-crl"]);
      expect(r.code).toBe(0);
    } finally {
      process.chdir(prev);
    }
  });

  test("--chain whose ARK is another product's → exit 4 snp_untrusted_root", async () => {
    const r = await run([...snp, "--chain", join(DATA, "amd", "genoa_vcek_cert_chain.pem"), "--json"]);
    expect(r.code).toBe(4);
    expect(r.json.error.code).toBe("snp_untrusted_root");
  });

  test("PEM --cert → same result as DER", async () => {
    const pem = `-----BEGIN CERTIFICATE-----\n${readFileSync(VCEK).toString("base64")}\n-----END CERTIFICATE-----\n`;
    const r = await run([
      "--snp-report",
      REPORT,
      "--cert",
      writeFile("vcek.pem", pem),
      "--json",
      "--allow-missing-crl",
    ]);
    expect(r.code).toBe(0);
    expect(r.json.signingKey).toBe("vcek");
  });
});

describe("attestation verify human output", () => {
  test("success without a CRL → summary on stdout saying so, only the two --allow-missing-crl warnings on stderr", async () => {
    const r = await run(["--snp-report", REPORT, "--cert", VCEK, "--allow-missing-crl"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("snp report verified: Milan");
    expect(r.stdout).toContain(
      "b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872b01",
    );
    expect(r.stdout).toContain("revocation    NOT CHECKED");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l.startsWith("warning: ")).toBe(true);
  });

  test("failure → nothing on stdout, `error: … (code)` on stderr", async () => {
    const r = await run(["--tdx-quote", QUOTE, "--now", "2023-07-01"]);
    expect(r.code).toBe(6);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^error: .*\(collateral_unavailable\)\n$/);
  });

  test("several mismatches → one line each on stderr", async () => {
    const entry = {
      ...TDX_ENTRY,
      MrTd: "11".repeat(48),
    };
    const rv = writeFile(
      "rv-human.json",
      JSON.stringify({ tdx: [entry, { ...entry, MrSeam: "22".repeat(48) }] }),
    );
    const r = await run([
      "--tdx-quote",
      QUOTE,
      "--no-collateral",
      "--now",
      "2023-07-01",
      "--reference-values",
      rv,
    ]);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/^error: \d+ mismatches \(reference_values_mismatch\):\n/);
    expect(r.stderr).toContain("\n  - tdx[1]: mrSeam: expected 2222");
  });
});

describe("attestation verify as a process", () => {
  test("bun entry with the real argv → exit 4 and one JSON object on stdout for an expired VLEK", () => {
    const entry = [
      'import "reflect-metadata";',
      'import { cac } from "cac";',
      'import { registerAttestation } from "./src/cli/attestation.ts";',
      'import { parseAndRun } from "./src/command/command.ts";',
      'const cli = cac("contrast");',
      "registerAttestation(cli);",
      "await parseAndRun(cli, process.argv.slice(1));",
    ].join("\n");
    const args = [
      "attestation",
      "verify",
      "--snp-report",
      join(DATA, "snp", "milan_v3_vlek_aws_report.bin"),
      "--cert",
      join(DATA, "snp", "milan_v3_vlek_aws_vlek.der"),
      "--json",
    ];
    const p = Bun.spawnSync([process.execPath, "-e", entry, ...args], { cwd: REPO, env: { ...process.env } });
    expect(p.exitCode).toBe(4);
    const json = JSON.parse(p.stdout.toString());
    expect(json.error.code).toBe("snp_cert_expired");
    expect(json.vmpl).toBe(1);
    expect(p.stderr.toString()).toContain("(snp_cert_expired)");
  });
});
