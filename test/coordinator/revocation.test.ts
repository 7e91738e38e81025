// The Coordinator with the verifier run.ts builds (createCollateralVerifier): a revoked sim VCEK, or no CRL while the
// sim KDS is unreachable, is refused over the mesh API with `attestation_failed` and the reason; nothing is issued.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { postJson } from "../../src/api/client.ts";
import { meshReportData } from "../../src/api/report-data.ts";
import { encodeEvidence } from "../../src/api/schema.ts";
import { buildSimReportFields, signSnpReport } from "../../src/attestation/sim/issue-report.ts";
import { fromBase64, fromHex, toBase64 } from "../../src/common/bytes.ts";
import { createLogger } from "../../src/common/log.ts";
import type { RunningCoordinator } from "../../src/coordinator/server.ts";
import { exportPublicKeySpki, generateEcKeyPair } from "../../src/crypto/keys.ts";
import { computeTransitionHash, signTransition, ZERO_HASH } from "../../src/crypto/transition.ts";
import { createCollateralVerifier } from "../../src/manifest/collateral-verifier.ts";
import { type CollateralServer, startCollateralServer } from "../attestation/fixtures/collateral-server.ts";
import { createTestSim, SIM_TIMEOUT_MS, simCrl, simSerials } from "../attestation/sim/fixture.ts";
import { policyDocument, tempDir } from "../support/harness.ts";
import { startSimCoordinator } from "../support/sim-coordinator.ts";

const trust = { kind: "unverified-until-attested" } as const;
const dir = tempDir("revocation");
let sim: Awaited<ReturnType<typeof createTestSim>>;
let simKds: CollateralServer;
let live: RunningCoordinator;
let offline: RunningCoordinator;
const logLines: string[] = [];
const docs: Record<string, ReturnType<typeof policyDocument>> = {};
const CRL_PATH = "/vcek/v1/Milan/crl";

/** A sim Coordinator with the verifier run.ts builds from the same config, its first manifest set. */
async function startCoordinatorWithKds(name: string, simKdsUrl: string): Promise<RunningCoordinator> {
  const owner = await generateEcKeyPair("P-384");
  const manifest = {
    Policies: {
      [docs.coordinator!.digest]: { SANs: ["coordinator"], Role: "coordinator" },
      [docs.web!.digest]: { SANs: ["web"] },
    },
    ReferenceValues: sim.referenceValues,
    WorkloadOwnerPubKeys: [Buffer.from(await exportPublicKeySpki(owner.publicKey)).toString("hex")],
    SeedshareOwnerPubKeys: [],
  };
  const log = createLogger({ level: "info", format: "json", write: (l) => logLines.push(l) });
  const c = await startSimCoordinator({
    simDir: sim.dir,
    policy: docs.coordinator!.digest,
    stateDir: join(dir, name, "state"),
    env: { CONTRAST_SIM_KDS_URL: simKdsUrl },
    log,
    verifier: (config) =>
      createCollateralVerifier({
        cacheDir: join(dir, name, "collateral-cache"),
        endpoints: config.collateral,
        warn: (detail) => log.warn("evidence admitted with a relaxation", { detail }),
      }),
  });
  const bytes = new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`);
  const set = await postJson(
    c.userApi,
    "/v1/manifest",
    {
      manifest: toBase64(bytes),
      policies: [docs.coordinator!, docs.web!].map((d) => toBase64(d.bytes)),
      previousTransition: "00".repeat(32),
      // Every manifest, the first one too, carries an owner signature over its transition (issue 10 §1).
      signature: toBase64(await signTransition(owner.privateKey, computeTransitionHash(bytes, ZERO_HASH))),
    },
    { trust },
  );
  expect(set.status).toBe(200);
  return c;
}

beforeAll(async () => {
  sim = await createTestSim();
  simKds = startCollateralServer();
  for (const n of ["coordinator", "web"]) docs[n] = policyDocument(join(dir, "policies"), n);
  live = await startCoordinatorWithKds("live", simKds.url);
  offline = await startCoordinatorWithKds("offline", "http://127.0.0.1:1");
}, SIM_TIMEOUT_MS);

afterAll(async () => {
  await live?.stop();
  await offline?.stop();
  simKds?.stop();
});

/** A mesh certificate request from the `web` pod; `crl` is what its host volunteers (the sim dir's by default). */
async function certRequest(coordinator: RunningCoordinator, crl: Uint8Array | null = sim.crl ?? null) {
  const nonceRes = await postJson(coordinator.meshApi, "/v1/mesh/nonce", {}, { trust });
  const nonce = fromBase64((nonceRes.body as { nonce: string }).nonce);
  const key = await generateEcKeyPair("P-256");
  const spki = await exportPublicKeySpki(key.publicKey);
  const fields = buildSimReportFields(
    sim,
    fromHex(docs.web!.digest, "digest", 32),
    meshReportData(nonce, spki),
  );
  const report = await signSnpReport(fields, sim.vcekSigningKey);
  const certs = { vcek: sim.vcek, ask: sim.ask, ark: sim.ark, ...(crl ? { crl } : {}) };
  const body = {
    nonce: toBase64(nonce),
    publicKey: toBase64(spki),
    evidence: encodeEvidence({ platform: "snp", report, certs }),
  };
  return postJson(coordinator.meshApi, "/v1/mesh/cert", body, { trust });
}

describe("mesh API with revocation", () => {
  test("sim KDS revokes the VCEK, the host volunteers the old clean CRL → 403 attestation_failed, revoked", async () => {
    simKds.faults.set(CRL_PATH, {
      kind: "body",
      body: await simCrl(sim, { revoked: [simSerials(sim).vcek] }),
    });
    const r = await certRequest(live);
    expect(r.status).toBe(403);
    const body = r.body as { code: string; message: string };
    expect(body.code).toBe("attestation_failed");
    expect(body.message).toContain("revoked");
    expect(logLines.some((l) => l.includes('"code":"snp_revoked"'))).toBe(true);
    expect(simKds.hits(CRL_PATH)).toBe(1);
  });

  test("sim KDS unreachable, no CRL in the evidence → 403 attestation_failed naming the crl", async () => {
    const r = await certRequest(offline, null);
    expect(r.status).toBe(403);
    const body = r.body as { code: string; message: string };
    expect(body.code).toBe("attestation_failed");
    expect(body.message).toContain("crl:");
    expect(logLines.some((l) => l.includes('"code":"snp_crl_unavailable"'))).toBe(true);
  });

  test("sim KDS unreachable, the sim dir's current CRL in the evidence → certificate issued (offline sim)", async () => {
    expect((await certRequest(offline)).status).toBe(200);
  });
});
