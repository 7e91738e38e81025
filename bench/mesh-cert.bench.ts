// In-process figures (client and Coordinator share this process): mesh certificates issued per second over HTTPS
// by a Coordinator on the sim TEE with N concurrent clients, the protocol alone and the whole Initializer (p50/p99),
// beside the raw cost of one P-384 verify + one P-384 signature measured in the same run. The separate-process
// comparison with a Go service is bench/admissions.bench.ts.

import "reflect-metadata";
import { join } from "node:path";
import { postJson } from "../src/api/client.ts";
import { meshReportData } from "../src/api/report-data.ts";
import { encodeEvidence } from "../src/api/schema.ts";
import { initSimDir } from "../src/attestation/sim/sim-dir.ts";
import { createSimIssuer } from "../src/attestation/sim-issuer.ts";
import { toBase64, toHex } from "../src/common/bytes.ts";
import { silentLogger } from "../src/common/log.ts";
import { readCoordinatorConfig } from "../src/coordinator/config.ts";
import { startCoordinator } from "../src/coordinator/server.ts";
import { exportPublicKeySpki, generateEcKeyPair } from "../src/crypto/keys.ts";
import { computeTransitionHash, signTransition, ZERO_HASH } from "../src/crypto/transition.ts";
import { readInitializerConfig } from "../src/initializer/config.ts";
import { prepareInitializer, requestMeshCert } from "../src/initializer/run.ts";
import { createEvidenceVerifier } from "../src/manifest/verify-evidence.ts";
import { policyDocument, tempDir } from "../test/support/harness.ts";
import { type Figure, reportFigures } from "./lib/report.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);

async function rawBaseline(): Promise<number> {
  const p384 = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-384" }, true, [
    "sign",
    "verify",
  ]);
  const leafCa = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-384" }, true, [
    "sign",
    "verify",
  ]);
  const msg = new Uint8Array(672);
  const sig = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-384" }, p384.privateKey, msg);
  let n = 0;
  const end = performance.now() + SECONDS * 1000;
  while (performance.now() < end) {
    await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-384" }, p384.publicKey, sig, msg);
    await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-384" }, leafCa.privateKey, msg);
    n++;
  }
  return n / SECONDS;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const dir = tempDir("bench-mesh");
const sim = await initSimDir(join(dir, "sim"));
const coordDoc = policyDocument(join(dir, "policies"), "coordinator");
const owner = await generateEcKeyPair("P-384");
const ownerHex = toHex(await exportPublicKeySpki(owner.publicKey));
const webDoc = policyDocument(join(dir, "policies"), "web", {
  coordinatorPolicies: [coordDoc.digest],
  deploymentKeys: [ownerHex],
});
const manifest = new TextEncoder().encode(
  JSON.stringify({
    Policies: {
      [coordDoc.digest]: { SANs: ["coordinator"], Role: "coordinator" },
      [webDoc.digest]: { SANs: ["web", "*"], WorkloadSecretID: "apps/v1/Deployment/default/web" },
    },
    ReferenceValues: sim.referenceValues,
    WorkloadOwnerPubKeys: [ownerHex],
    SeedshareOwnerPubKeys: [],
  }),
);
const config = readCoordinatorConfig(
  {
    tee: "sim",
    simDir: sim.dir,
    simHostData: coordDoc.digest,
    stateDir: join(dir, "state"),
    userApiAddr: "127.0.0.1:0",
    meshApiAddr: "127.0.0.1:0",
    probeAddr: "127.0.0.1:0",
  },
  {},
);
const coordinator = await startCoordinator(config, {
  log: silentLogger,
  verifier: createEvidenceVerifier(),
  version: "bench",
  issuer: await createSimIssuer(sim.dir, Buffer.from(coordDoc.digest, "hex")),
});
await postJson(
  coordinator.userApi,
  "/v1/manifest",
  {
    manifest: toBase64(manifest),
    policies: [toBase64(coordDoc.bytes), toBase64(webDoc.bytes)],
    previousTransition: "00".repeat(32),
    signature: toBase64(await signTransition(owner.privateKey, computeTransitionHash(manifest, ZERO_HASH))),
  },
  { trust: { kind: "unverified-until-attested" } },
);
const initConfig = readInitializerConfig(
  { tee: "sim", simDir: sim.dir, simInitdata: webDoc.path, outDir: join(dir, "out") },
  { COORDINATOR_HOST: coordinator.meshApi },
);
const initDeps = await prepareInitializer(initConfig, silentLogger, { verifier: createEvidenceVerifier() });
const issuer = initDeps.issuer;

/** The protocol only: one key, nonce, sim report and cert request per cert; no files written. */
async function protocolOnly(): Promise<void> {
  const key = await generateEcKeyPair("P-256");
  const spki = await exportPublicKeySpki(key.publicKey);
  const trust = { kind: "unverified-until-attested" } as const;
  const n = await postJson(coordinator.meshApi, "/v1/mesh/nonce", {}, { trust });
  const nonce = Buffer.from((n.body as { nonce: string }).nonce, "base64");
  const evidence = await issuer.issue(meshReportData(nonce, spki));
  const r = await postJson(
    coordinator.meshApi,
    "/v1/mesh/cert",
    { nonce: toBase64(nonce), publicKey: toBase64(spki), evidence: encodeEvidence(evidence) },
    { trust },
  );
  if (r.status !== 200) throw new Error(`cert request failed: ${JSON.stringify(r.body)}`);
}

async function measure(
  name: string,
  concurrency: number,
  raw: number,
  once: (w: number, i: number) => Promise<unknown>,
) {
  const latencies: number[] = [];
  const end = performance.now() + SECONDS * 1000;
  let i = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      while (performance.now() < end) {
        const t0 = performance.now();
        await once(w, i++);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const rate = latencies.length / SECONDS;
  console.log(
    `${name} concurrency ${String(concurrency).padStart(2)}: ${rate.toFixed(1)} certs/s, p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, ratio to baseline ${(rate / raw).toFixed(3)}`,
  );
  figures.push({
    name: `${name.trim()} certificates/s at concurrency ${concurrency}, in-process`,
    value: rate,
    unit: "/s",
    baseline: { name: "P-384 verify + P-384 sign", value: raw },
  });
}

const figures: Figure[] = [];

const raw = await rawBaseline();
console.log(`baseline: ${raw.toFixed(0)} (P-384 verify + P-384 sign)/s on this machine`);
for (const c of [1, 8, 32]) await measure("protocol   ", c, raw, () => protocolOnly());
for (const c of [1, 8, 32]) {
  await measure("initializer", c, raw, (w, i) =>
    requestMeshCert({ ...initConfig, outDir: join(dir, `out-${w}-${i % 4}`) }, initDeps),
  );
}
console.log(
  "protocol = nonce + sim report + cert request over HTTPS; initializer = the whole Initializer: Coordinator " +
    "attestation and history check, nonce, cert request, chain and SAN check, fsynced files. " +
    "Client and Coordinator share this process and its 2 cores; per cert the Coordinator does one P-384 report verify, " +
    "one P-384 leaf signature over ~47 claim extensions and the envelope ECDH.",
);
reportFigures("mesh certificates, client and Coordinator in one process", figures);
await coordinator.stop();
