// Test fixture for the user commands: a sim-TEE Coordinator in this process (real HTTPS on loopback) and a workspace
// whose manifest trusts it, with owner keys, as `generate` would leave it.

import { afterAll, afterEach, beforeAll } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { toHex } from "../../src/common/bytes.ts";
import type { RunningCoordinator } from "../../src/coordinator/server.ts";
import { exportEcPrivateKeySec1Pem, exportPublicKeySpki, generateEcKeyPair } from "../../src/crypto/keys.ts";
import {
  exportRsaPrivateKeyPem,
  exportRsaPublicKeyPkcs1,
  generateRsaKeyPair,
} from "../../src/crypto/rsa-keys.ts";
import { createTestSim } from "../attestation/sim/fixture.ts";
import { policyDocument, tempDir } from "../support/harness.ts";
import { startSimCoordinator as startLoopbackSimCoordinator } from "../support/sim-coordinator.ts";

type Sim = Awaited<ReturnType<typeof createTestSim>>;

export interface Workspace {
  readonly dir: string;
  readonly sim: Sim;
  /** Digest of the Coordinator's policy document (its HOST_DATA). */
  readonly coordinatorPolicy: string;
  readonly ownerHex: string;
  /** Writes manifest.json with these changes to the baseline. */
  writeManifest(edit?: (m: Record<string, unknown>) => void): void;
}

/** A workspace: policies/, workload-owner.pem, seedshare-owner.pem (RSA-2048 for speed), manifest.json. */
export async function createWorkspace(): Promise<Workspace> {
  const sim = await createTestSim();
  const dir = tempDir("cli-ws");
  const doc = policyDocument(join(dir, "policies"), "coordinator");
  const owner = await generateEcKeyPair("P-384");
  writeFileSync(join(dir, "workload-owner.pem"), await exportEcPrivateKeySec1Pem(owner), { mode: 0o600 });
  const ownerHex = toHex(await exportPublicKeySpki(owner.publicKey));
  const seed = await generateRsaKeyPair(2048);
  writeFileSync(join(dir, "seedshare-owner.pem"), await exportRsaPrivateKeyPem(seed), { mode: 0o600 });
  const seedHex = toHex(await exportRsaPublicKeyPkcs1(seed.publicKey));
  const ws: Workspace = {
    dir,
    sim,
    coordinatorPolicy: doc.digest,
    ownerHex,
    writeManifest(edit = () => {}) {
      const m: Record<string, unknown> = {
        Policies: { [doc.digest]: { SANs: ["coordinator"], Role: "coordinator" } },
        ReferenceValues: sim.referenceValues,
        WorkloadOwnerPubKeys: [ownerHex],
        SeedshareOwnerPubKeys: [seedHex],
      };
      edit(m);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "manifest.json"), `${JSON.stringify(m, null, 2)}\n`);
    },
  };
  ws.writeManifest();
  return ws;
}

/** A Coordinator on the sim TEE running `ws`'s Coordinator policy; `stateDir` again → a restart (recovery). */
export function startSimCoordinator(
  ws: Workspace,
  opts: { stateDir?: string; userApiAddr?: string } = {},
): Promise<RunningCoordinator & { readonly stateDir: string }> {
  return startLoopbackSimCoordinator({ simDir: ws.sim.dir, policy: ws.coordinatorPolicy, ...opts });
}

/**
 * What an in-process CLI test file changes in this process, put back: CONTRAST_CACHE_DIR (a fresh directory for the
 * file), the exit code after each test, and every server pushed onto the returned list stopped after the file.
 */
export function isolateCliProcess<T extends { stop(): unknown }>(): T[] {
  const saved = process.env.CONTRAST_CACHE_DIR;
  const servers: T[] = [];
  beforeAll(() => {
    process.env.CONTRAST_CACHE_DIR = tempDir("cli-cache");
  });
  afterAll(async () => {
    for (const s of servers) await s.stop();
    if (saved === undefined) delete process.env.CONTRAST_CACHE_DIR;
    else process.env.CONTRAST_CACHE_DIR = saved;
  });
  afterEach(() => {
    process.exitCode = 0;
  });
  return servers;
}
