// Tests for the simulated TEE: sim directory creation and checks, sim reports through the real verifier, `sim init`.

import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { X509Certificate, X509Crl } from "@peculiar/x509";
import { issueSimReport } from "../../../src/attestation/sim/issue-report.ts";
import {
  type InitSimDirResult,
  initSimDir,
  loadSimDir,
  SIM_FILES,
} from "../../../src/attestation/sim/sim-dir.ts";
import { parseSnpReport } from "../../../src/attestation/snp/abi.ts";
import { snpValidateOptionsFor } from "../../../src/attestation/snp/reference-value.ts";
import { validateSnpReport } from "../../../src/attestation/snp/validate.ts";
import { SnpVerifier, type SnpVerifyInput } from "../../../src/attestation/snp/verify.ts";
import { registerSim } from "../../../src/cli/sim.ts";
import { toHex } from "../../../src/common/bytes.ts";
import { ConfigError, VerificationError } from "../../../src/common/errors.ts";
import { encodePem } from "../../../src/crypto/pem.ts";
import { expectCode } from "../../support/expect-error.ts";
import { runInProcess } from "../../support/run-in-process.ts";
import { NO_REVOCATION } from "../snp/no-revocation.ts";
import {
  createTestSim,
  HOST_DATA,
  REPORT_DATA,
  SIM_NOW,
  SIM_TIMEOUT_MS,
  seededRandom,
  simCrl,
} from "./fixture.ts";

let sim: InitSimDirResult;

/** Issued sim evidence verified with its own ASK at SIM_NOW; `extra` adds its ARK and the trusted ARKs. */
function verifyEvidence(ev: Awaited<ReturnType<typeof issueSimReport>>, extra: Partial<SnpVerifyInput> = {}) {
  return new SnpVerifier().verify({
    revocation: NO_REVOCATION,
    report: ev.report,
    leaf: ev.vcek,
    intermediate: ev.ask,
    now: SIM_NOW,
    ...extra,
  });
}
let otherSimDir: string;

beforeAll(async () => {
  sim = await createTestSim();
  otherSimDir = (await createTestSim("Genoa")).dir;
}, SIM_TIMEOUT_MS);

function copyOfSim(): string {
  const dir = join(mkdtempSync(join(tmpdir(), "contrast-sim-copy-")), "sim");
  cpSync(sim.dir, dir, { recursive: true });
  return dir;
}

describe("initSimDir", () => {
  test("new dir → created, dir 0700, every file 0600", () => {
    expect(sim.created).toBe(true);
    expect(statSync(sim.dir).mode & 0o777).toBe(0o700);
    for (const name of Object.values(SIM_FILES))
      expect(statSync(join(sim.dir, name)).mode & 0o777).toBe(0o600);
  });

  test("reference-values.json → the manifest ReferenceValues object trusting only the sim ARK", () => {
    const refs = JSON.parse(readFileSync(sim.referenceValuesPath, "utf8"));
    expect(Object.keys(refs)).toEqual(["snp", "tdx"]);
    expect(refs.tdx).toEqual([]);
    expect(refs.snp).toHaveLength(1);
    const r = refs.snp[0];
    expect(Object.keys(r)).toEqual([
      "Platform",
      "ProductName",
      "TrustedMeasurement",
      "MinimumTCB",
      "GuestPolicy",
      "PlatformInfo",
      "AllowedChipIDs",
      "SimulatedARK",
    ]);
    expect(r.Platform).toBe("sim");
    expect(r.ProductName).toBe("Milan");
    expect(r.TrustedMeasurement).toBe(toHex(sim.measurement));
    expect(r.TrustedMeasurement).toMatch(/^[0-9a-f]{96}$/);
    expect(r.MinimumTCB).toEqual({
      BootloaderVersion: 4,
      TEEVersion: 0,
      SNPVersion: 24,
      MicrocodeVersion: 219,
    });
    expect(Object.keys(r.GuestPolicy)).toEqual([
      "ABIMinor",
      "ABIMajor",
      "SMT",
      "MigrateMA",
      "Debug",
      "SingleSocket",
      "CXLAllowed",
      "MemAES256XTS",
      "RAPLDis",
      "CipherTextHidingDRAM",
      "PageSwapDisable",
    ]);
    expect(Object.keys(r.PlatformInfo)).toEqual([
      "SMTEnabled",
      "TSMEEnabled",
      "ECCEnabled",
      "RAPLDisabled",
      "CiphertextHidingDRAMEnabled",
      "AliasCheckComplete",
      "TIOEnabled",
    ]);
    expect(r.AllowedChipIDs).toEqual([]);
    expect(r.SimulatedARK).toBe(readFileSync(join(sim.dir, SIM_FILES.ark), "utf8"));
    expect(r.SimulatedARK).toContain("-----BEGIN CERTIFICATE-----");
  });

  test("ark subject → says SIMULATION", async () => {
    const { X509Certificate } = await import("@peculiar/x509");
    const ark = new X509Certificate(sim.ark);
    expect(ark.subject).toContain("CN=ARK-Milan");
    expect(ark.subject).toContain("SIMULATION");
  });

  test("second run on the same dir → created false, same chain and measurement", async () => {
    const again = await initSimDir(sim.dir, { now: SIM_NOW, random: seededRandom(99) });
    expect(again.created).toBe(false);
    expect(toHex(again.ark)).toBe(toHex(sim.ark));
    expect(toHex(again.measurement)).toBe(toHex(sim.measurement));
    expect(readFileSync(again.referenceValuesPath, "utf8")).toBe(
      readFileSync(sim.referenceValuesPath, "utf8"),
    );
  });

  test("crl.pem → one CRL signed by the sim ARK, current at creation, nothing revoked; reports carry it", async () => {
    expect(sim.crl).toBeDefined();
    const crl = new X509Crl(sim.crl!);
    expect(crl.issuer).toBe(new X509Certificate(sim.ark).subject);
    expect(crl.thisUpdate.getTime()).toBeLessThan(SIM_NOW.getTime());
    expect(crl.nextUpdate!.getTime()).toBeGreaterThan(SIM_NOW.getTime() + 300 * 86_400_000);
    expect(crl.entries).toHaveLength(0);
    expect((await issueSimReport(sim, HOST_DATA, REPORT_DATA)).crl).toEqual(sim.crl!);
  });

  test("dir without crl.pem (made before sim CRLs) → loads without one; init adds one", async () => {
    const dir = copyOfSim();
    rmSync(join(dir, SIM_FILES.crl));
    expect((await loadSimDir(dir, { now: SIM_NOW })).crl).toBeUndefined();
    const again = await initSimDir(dir, { now: SIM_NOW });
    expect(again.created).toBe(false);
    expect(again.crl).toBeDefined();
    expect(toHex(again.ark)).toBe(toHex(sim.ark));
  });

  test("crl.pem past its nextUpdate → init issues a current one that still lists what the old one did", async () => {
    const dir = copyOfSim();
    const old = await simCrl(sim, {
      revoked: ["0123"],
      thisUpdate: new Date(SIM_NOW.getTime() - 3 * 86_400_000),
      nextUpdate: new Date(SIM_NOW.getTime() - 86_400_000),
    });
    writeFileSync(join(dir, SIM_FILES.crl), encodePem("X509 CRL", old));
    const again = await initSimDir(dir, { now: SIM_NOW });
    const crl = new X509Crl(again.crl!);
    expect(crl.nextUpdate!.getTime()).toBeGreaterThan(SIM_NOW.getTime());
    expect(crl.entries.map((e) => e.serialNumber)).toEqual(["0123"]);
  });

  test(
    "genoa product → genoa chain and genoa cpuid in reports",
    async () => {
      const genoa = await createTestSim("Genoa");
      expect(genoa.referenceValues.snp[0]!.ProductName).toBe("Genoa");
      const ev = await issueSimReport(genoa, HOST_DATA, REPORT_DATA);
      const v = await verifyEvidence(ev, { trustedArks: [ev.ark] });
      expect(v.product).toBe("Genoa");
    },
    SIM_TIMEOUT_MS,
  );
});

describe("loadSimDir", () => {
  const corruptions: [string, string, (dir: string) => void][] = [
    ["sim.json not json", SIM_FILES.meta, (d) => writeFileSync(join(d, SIM_FILES.meta), "{")],
    [
      "sim.json bad product",
      SIM_FILES.meta,
      (d) => {
        const m = JSON.parse(readFileSync(join(d, SIM_FILES.meta), "utf8"));
        writeFileSync(join(d, SIM_FILES.meta), JSON.stringify({ ...m, product: "Turin" }));
      },
    ],
    [
      "sim.json other chip id",
      SIM_FILES.vcek,
      (d) => {
        const m = JSON.parse(readFileSync(join(d, SIM_FILES.meta), "utf8"));
        writeFileSync(join(d, SIM_FILES.meta), JSON.stringify({ ...m, chipId: "ab".repeat(64) }));
      },
    ],
    ["ark.pem garbage", SIM_FILES.ark, (d) => writeFileSync(join(d, SIM_FILES.ark), "not a pem")],
    ["vcek.pem missing", SIM_FILES.vcek, (d) => rmSync(join(d, SIM_FILES.vcek))],
    [
      "vcek.key is the ask key",
      SIM_FILES.vcekKey,
      (d) => cpSync(join(d, SIM_FILES.askKey), join(d, SIM_FILES.vcekKey)),
    ],
    [
      "ask.pem swapped with ark.pem",
      SIM_FILES.askKey,
      (d) => cpSync(join(d, SIM_FILES.ark), join(d, SIM_FILES.ask)),
    ],
    [
      "crl.pem signed by another ark",
      SIM_FILES.crl,
      (d) => cpSync(join(otherSimDir, SIM_FILES.crl), join(d, SIM_FILES.crl)),
    ],
    ["crl.pem garbage", SIM_FILES.crl, (d) => writeFileSync(join(d, SIM_FILES.crl), "not a crl")],
    [
      "reference-values.json edited",
      SIM_FILES.referenceValues,
      (d) => writeFileSync(join(d, SIM_FILES.referenceValues), "{}\n"),
    ],
  ];
  for (const [name, file, corrupt] of corruptions) {
    test(`${name} → ConfigError sim_dir_invalid naming ${file}`, async () => {
      const dir = copyOfSim();
      corrupt(dir);
      const err = await expectCode(loadSimDir(dir, { now: SIM_NOW }), ConfigError, "sim_dir_invalid");
      expect(err.field).toBe(join(dir, file));
      // initSimDir on a corrupt dir refuses too, and leaves the files as they were.
      if (existsSync(join(dir, SIM_FILES.meta))) {
        await expectCode(initSimDir(dir, { now: SIM_NOW }), ConfigError, "sim_dir_invalid");
      }
    });
  }
});

describe("issueSimReport", () => {
  test("report → genuine v3 layout: milan cpuid, vmpl 0, policy 0x30000, tcbs = vcek spls, data bound", async () => {
    const ev = await issueSimReport(sim.dir, HOST_DATA, REPORT_DATA);
    expect(ev.report).toHaveLength(1184);
    const r = parseSnpReport(ev.report);
    expect(r.version).toBe(3);
    expect(r.cpuid).toEqual({ family: 0x19, model: 0x01, stepping: 0 });
    expect(r.product).toBe("Milan");
    expect(r.vmpl).toBe(0);
    expect(r.policyRaw).toBe(0x30000);
    for (const t of [r.reportedTcb, r.currentTcb, r.committedTcb, r.launchTcb]) expect(t).toEqual(sim.tcb);
    expect(toHex(r.hostData)).toBe(toHex(HOST_DATA));
    expect(toHex(r.reportData)).toBe(toHex(REPORT_DATA));
    expect(toHex(r.chipId)).toBe(toHex(sim.chipId));
  });

  test("verified with the sim ARK in trustedArks → valid and meets its reference values", async () => {
    const ev = await issueSimReport(sim, HOST_DATA, REPORT_DATA);
    const v = await verifyEvidence(ev, { ark: ev.ark, trustedArks: [ev.ark] });
    expect(v.ark.source).toBe("trusted");
    const ref = sim.referenceValues.snp[0]!;
    const mismatches = validateSnpReport(v, {
      ...snpValidateOptionsFor(ref),
      hostData: HOST_DATA,
      permitProvisionalFirmware: false,
    });
    expect(mismatches).toEqual([]);
  });

  test("default verifier with the evidence chain but no trustedArks → snp_untrusted_root", async () => {
    const ev = await issueSimReport(sim, HOST_DATA, REPORT_DATA);
    await expectCode(verifyEvidence(ev, { ark: ev.ark }), VerificationError, "snp_untrusted_root");
    await expectCode(verifyEvidence(ev), VerificationError, "snp_untrusted_root");
  });

  test("wrong host data or report data length → ConfigError sim_report_input", async () => {
    await expectCode(issueSimReport(sim, new Uint8Array(31), REPORT_DATA), ConfigError, "sim_report_input");
    await expectCode(issueSimReport(sim, HOST_DATA, new Uint8Array(32)), ConfigError, "sim_report_input");
  });
});

describe("registerSim", () => {
  const run = (args: string[]) => runInProcess(registerSim, args);
  afterEach(() => {
    process.exitCode = 0;
  });

  test("sim init --dir on the existing sim → prints the reference-values path and a development warning", async () => {
    const r = await run(["sim", "init", "--dir", sim.dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${sim.referenceValuesPath}\n`);
    expect(r.stderr).toContain("development only");
  });

  test("sim init without --dir → usage exit 2", async () => {
    expect((await run(["sim", "init"])).code).toBe(2);
  });

  test("sim init on a corrupt dir → exit 3", async () => {
    const dir = copyOfSim();
    writeFileSync(join(dir, SIM_FILES.meta), "{");
    const r = await run(["sim", "init", "--dir", dir]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("sim_dir_invalid");
  });
});
