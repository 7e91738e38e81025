// A Coordinator on the simulated TEE in this process: real HTTPS on loopback ports the OS picks, the sim chain's
// issuer bound to the Coordinator's own policy digest, as `contrast coordinator --tee sim` runs it.

import { createSimIssuer } from "../../src/attestation/sim-issuer.ts";
import { fromHex } from "../../src/common/bytes.ts";
import { type Logger, silentLogger } from "../../src/common/log.ts";
import { type CoordinatorConfig, readCoordinatorConfig } from "../../src/coordinator/config.ts";
import { type RunningCoordinator, startCoordinator } from "../../src/coordinator/server.ts";
import { createEvidenceVerifier, type EvidenceVerifier } from "../../src/manifest/verify-evidence.ts";
import { tempDir } from "./harness.ts";

export interface SimCoordinatorOptions {
  /** The sim directory (`contrast sim init`). */
  readonly simDir: string;
  /** Hex SHA-256 of the Coordinator's initdata document: its HOST_DATA. */
  readonly policy: string;
  /** Default: a fresh temporary directory. */
  readonly stateDir?: string;
  /** Default 127.0.0.1:0. */
  readonly userApiAddr?: string;
  readonly env?: Record<string, string | undefined>;
  readonly log?: Logger;
  /** Default: the evidence verifier without collateral (sim reports carry their chain and CRL). */
  readonly verifier?: (config: CoordinatorConfig, log: Logger) => EvidenceVerifier;
}

export async function startSimCoordinator(
  o: SimCoordinatorOptions,
): Promise<RunningCoordinator & { readonly stateDir: string }> {
  const stateDir = o.stateDir ?? tempDir("sim-coordinator-state");
  const config = readCoordinatorConfig(
    {
      tee: "sim",
      simDir: o.simDir,
      simHostData: o.policy,
      stateDir,
      userApiAddr: o.userApiAddr ?? "127.0.0.1:0",
      meshApiAddr: "127.0.0.1:0",
      probeAddr: "127.0.0.1:0",
    },
    o.env ?? {},
  );
  const log = o.log ?? silentLogger;
  const c = await startCoordinator(config, {
    log,
    verifier: o.verifier?.(config, log) ?? createEvidenceVerifier(),
    version: "test",
    issuer: await createSimIssuer(o.simDir, fromHex(o.policy, "policy", 32)),
  });
  return Object.assign(c, { stateDir });
}
