// Test fixture: one sim TEE in a temporary directory, plus helpers to sign report variants with its VCEK.

import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSimReportFields, signSnpReport } from "../../../src/attestation/sim/issue-report.ts";
import { createSimCrl } from "../../../src/attestation/sim/sim-crl.ts";
import { type InitSimDirResult, initSimDir, SIM_FILES } from "../../../src/attestation/sim/sim-dir.ts";
import type { SnpReportFields } from "../../../src/attestation/snp/abi.ts";
import { SnpVerifier, type VerifiedSnpReport } from "../../../src/attestation/snp/verify.ts";
import { parseCertificate } from "../../../src/attestation/snp/x509-util.ts";
import { decodePemDers } from "../../../src/crypto/pem.ts";
import { NO_REVOCATION } from "../snp/no-revocation.ts";

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
    revocation: NO_REVOCATION,
    report,
    leaf: sim.vcek,
    intermediate: sim.ask,
    trustedArks: [sim.ark],
    now: SIM_NOW,
  });
}

/** A CRL signed by the sim ARK (its key from the sim dir), current at SIM_NOW unless the window is given. */
export async function simCrl(
  sim: InitSimDirResult,
  opts: { revoked?: string[]; thisUpdate?: Date; nextUpdate?: Date; now?: Date } = {},
): Promise<Uint8Array> {
  const keyDer = decodePemDers(readFileSync(join(sim.dir, SIM_FILES.arkKey), "utf8"), "PRIVATE KEY")[0]!;
  const arkKey = await crypto.subtle.importKey(
    "pkcs8",
    keyDer as Uint8Array<ArrayBuffer>,
    { name: "RSA-PSS", hash: "SHA-384" },
    false,
    ["sign"],
  );
  return createSimCrl({
    ark: sim.ark,
    arkKey,
    now: opts.now ?? SIM_NOW,
    revokedSerials: opts.revoked ?? [],
    ...(opts.thisUpdate ? { thisUpdate: opts.thisUpdate } : {}),
    ...(opts.nextUpdate ? { nextUpdate: opts.nextUpdate } : {}),
  });
}

/** Serial numbers of the sim ASK and VCEK (the VCEK's is 0, as AMD's). */
export function simSerials(sim: InitSimDirResult): { ask: string; vcek: string } {
  return {
    ask: parseCertificate(sim.ask, "ask").serialNumber,
    vcek: parseCertificate(sim.vcek, "vcek").serialNumber,
  };
}
