// Issuer for the simulated TEE: genuine SNP reports signed by a local development chain (docs/architecture.md, simulated TEE).

import { ConfigError } from "../common/errors.ts";
import type { Evidence, Issuer } from "./evidence.ts";
import { issueSimReport } from "./sim/issue-report.ts";
import { loadSimDir, type SimTee } from "./sim/sim-load.ts";

/**
 * `hostData` is what a real launch would bind (SHA-256 of the pod's initdata); on hardware the host sets it,
 * here the caller passes it explicitly. Every report carries the sim chain so the verifier can check it; the
 * verifier trusts that chain only when a manifest names its ARK.
 */
export async function createSimIssuer(
  simDir: string,
  hostData: Uint8Array,
): Promise<Issuer & { sim: SimTee }> {
  if (hostData.length !== 32) {
    throw new ConfigError("invalid_host_data", `sim host data: expected 32 bytes, got ${hostData.length}`);
  }
  const sim = await loadSimDir(simDir);
  return {
    platform: "snp",
    description: `sim (${simDir})`,
    sim,
    async issue(reportData: Uint8Array): Promise<Evidence> {
      const e = await issueSimReport(sim, hostData, reportData);
      const certs = { vcek: e.vcek, ask: e.ask, ark: e.ark, ...(e.crl ? { crl: e.crl } : {}) };
      return { platform: "snp", report: e.report, certs };
    },
  };
}
