// Test fixture: one sim TEE in a temporary directory, plus helpers to sign report variants with its VCEK.

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSimReportFields, signSnpReport } from "../../../src/attestation/sim/issue-report.ts";
import { type InitSimDirResult, initSimDir } from "../../../src/attestation/sim/sim-dir.ts";
import type { SnpReportFields } from "../../../src/attestation/snp/abi.ts";
import { SnpVerifier, type VerifiedSnpReport } from "../../../src/attestation/snp/verify.ts";

export const SIM_NOW = new Date("2026-06-01T00:00:00Z");
export const HOST_DATA = new Uint8Array(32).fill(0x11);
export const REPORT_DATA = new Uint8Array(64).fill(0x22);

/** Deterministic "random" bytes so report ids and chip ids are reproducible in tests. */
export function seededRandom(seed: number): (n: number) => Uint8Array {
  let s = seed >>> 0;
  return (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      out[i] = s >>> 24;
    }
    return out;
  };
}

/** RSA-4096 key generation takes 0.5–5 s; hooks and tests that create a sim get this timeout. */
export const SIM_TIMEOUT_MS = 60_000;

const sims = new Map<string, Promise<InitSimDirResult>>();

/** One sim per product for the whole test process (bun runs test files in one process); never modify its dir. */
export function createTestSim(product: "Milan" | "Genoa" = "Milan"): Promise<InitSimDirResult> {
  let p = sims.get(product);
  if (!p) {
    const dir = join(mkdtempSync(join(tmpdir(), "contrast-sim-test-")), "sim");
    p = initSimDir(dir, { now: SIM_NOW, product, random: seededRandom(7) });
    sims.set(product, p);
  }
  return p;
}

/** Signs `edit(baseline fields)` with the sim VCEK and verifies it with the sim ARK trusted. */
export async function verifiedVariant(
  sim: InitSimDirResult,
  edit: (f: SnpReportFields) => SnpReportFields = (f) => f,
  verifier = new SnpVerifier(),
): Promise<VerifiedSnpReport> {
  const fields = edit(buildSimReportFields(sim, HOST_DATA, REPORT_DATA, seededRandom(1)));
  const report = await signSnpReport(fields, sim.vcekSigningKey);
  return verifier.verify({
    report,
    leaf: sim.vcek,
    intermediate: sim.ask,
    trustedArks: [sim.ark],
    now: SIM_NOW,
  });
}
