// The Coordinator over real HTTPS in-process: bad input gets its error code and leaves the state dir untouched;
// concurrent updates never fork the history; many concurrent Initializers are all served.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { postJson } from "../../src/api/client.ts";
import { meshReportData } from "../../src/api/report-data.ts";
import { encodeEvidence } from "../../src/api/schema.ts";
import { buildSimReportFields, signSnpReport } from "../../src/attestation/sim/issue-report.ts";
import type { SnpReportFields } from "../../src/attestation/snp/abi.ts";
import { fromBase64, toBase64, toHex } from "../../src/common/bytes.ts";
import { createLogger, silentLogger } from "../../src/common/log.ts";
import type { RunningCoordinator } from "../../src/coordinator/server.ts";
import { exportPublicKeySpki, generateEcKeyPair } from "../../src/crypto/keys.ts";
import {
  chainTransitionHashes,
  computeTransitionHash,
  signTransition,
  ZERO_HASH,
} from "../../src/crypto/transition.ts";
import { readInitializerConfig } from "../../src/initializer/config.ts";
import { prepareInitializer, requestMeshCert } from "../../src/initializer/run.ts";
import { createEvidenceVerifier } from "../../src/manifest/verify-evidence.ts";
import { createTestSim, SIM_TIMEOUT_MS } from "../attestation/sim/fixture.ts";
import { policyDocument, tempDir } from "../support/harness.ts";
import { startSimCoordinator } from "../support/sim-coordinator.ts";

const trust = { kind: "unverified-until-attested" } as const;
const dir = tempDir("api");
const stateDir = join(dir, "state");
let coordinator: RunningCoordinator;
let sim: Awaited<ReturnType<typeof createTestSim>>;
let owner: Awaited<ReturnType<typeof generateEcKeyPair>>;
const docs: Record<string, ReturnType<typeof policyDocument>> = {};
let manifest: Record<string, unknown>;
const logLines: string[] = [];

function manifestBytes(extraSan = ""): Uint8Array {
  const m = structuredClone(manifest) as { Policies: Record<string, { SANs: string[] }> };
  if (extraSan) m.Policies[docs.web!.digest]!.SANs.push(extraSan);
  return new TextEncoder().encode(`${JSON.stringify(m, null, 2)}\n`);
}

const allPolicies = () => [docs.coordinator!, docs.web!].map((d) => toBase64(d.bytes));

/** Digest of every file under the state dir (names, modes and contents). */
function stateFingerprint(): string {
  const h = createHash("sha256");
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      h.update(`${p}:${st.mode}\n`);
      if (st.isDirectory()) walk(p);
      else h.update(readFileSync(p));
    }
  };
  walk(stateDir);
  return h.digest("hex");
}

async function call(path: string, body: unknown, api: "user" | "mesh" = "mesh") {
  return postJson(api === "user" ? coordinator.userApi : coordinator.meshApi, path, body, { trust });
}

async function nonce(): Promise<Uint8Array> {
  const r = await call("/v1/mesh/nonce", {});
  return fromBase64((r.body as { nonce: string }).nonce);
}

/** A mesh cert request whose report (signed by the sim VCEK) is edited by `edit`. */
async function certRequest(opts: {
  edit?: (f: SnpReportFields) => SnpReportFields;
  bindKey?: Uint8Array;
  useNonce?: Uint8Array;
  curve?: "P-256" | "P-384";
}) {
  const key = await generateEcKeyPair(opts.curve ?? "P-256");
  const spki = await exportPublicKeySpki(key.publicKey);
  const n = opts.useNonce ?? (await nonce());
  const fields = buildSimReportFields(
    sim,
    fromHexString(docs.web!.digest),
    meshReportData(n, opts.bindKey ?? spki),
  );
  const report = await signSnpReport((opts.edit ?? ((f) => f))(fields), sim.vcekSigningKey);
  const evidence = {
    platform: "snp" as const,
    report,
    certs: { vcek: sim.vcek, ask: sim.ask, ark: sim.ark, ...(sim.crl ? { crl: sim.crl } : {}) },
  };
  return call("/v1/mesh/cert", {
    nonce: toBase64(n),
    publicKey: toBase64(spki),
    evidence: encodeEvidence(evidence),
  });
}

function fromHexString(h: string): Uint8Array {
  return new Uint8Array(Buffer.from(h, "hex"));
}

beforeAll(async () => {
  sim = await createTestSim();
  owner = await generateEcKeyPair("P-384");
  const ownerHex = toHex(await exportPublicKeySpki(owner.publicKey));
  docs.coordinator = policyDocument(join(dir, "policies"), "coordinator");
  docs.web = policyDocument(join(dir, "policies"), "web", {
    coordinatorPolicies: [docs.coordinator.digest],
    deploymentKeys: [ownerHex],
  });
  manifest = {
    Policies: {
      [docs.coordinator!.digest]: { SANs: ["coordinator"], Role: "coordinator" },
      [docs.web!.digest]: { SANs: ["web", "*"], WorkloadSecretID: "apps/v1/Deployment/default/web" },
    },
    ReferenceValues: sim.referenceValues,
    WorkloadOwnerPubKeys: [ownerHex],
    SeedshareOwnerPubKeys: [],
  };
  coordinator = await startSimCoordinator({
    simDir: sim.dir,
    policy: docs.coordinator!.digest,
    stateDir,
    log: createLogger({ level: "info", format: "json", write: (l) => logLines.push(l) }),
  });
  const firstSignature = await signTransition(
    owner.privateKey,
    computeTransitionHash(manifestBytes(), ZERO_HASH),
  );
  const first = await call(
    "/v1/manifest",
    {
      manifest: toBase64(manifestBytes()),
      policies: allPolicies(),
      previousTransition: "00".repeat(32),
      signature: toBase64(firstSignature),
    },
    "user",
  );
  expect(first.status).toBe(200);
}, SIM_TIMEOUT_MS);

afterAll(async () => {
  await coordinator?.stop();
});

describe("mesh API bad input", () => {
  const rows: [string, () => Promise<{ status: number; body: unknown }>, number, string][] = [
    ["malformed JSON", () => rawPost("/v1/mesh/cert", "{not json"), 400, "invalid_argument"],
    [
      "oversize body",
      () => rawPost("/v1/mesh/cert", JSON.stringify({ nonce: "A".repeat(400_000) })),
      413,
      "body_too_large",
    ],
    [
      "unknown field",
      () => call("/v1/mesh/cert", { nonce: toBase64(new Uint8Array(32)), publicKey: "", evidence: {}, x: 1 }),
      400,
      "invalid_argument",
    ],
    ["nonce never issued", () => certRequest({ useNonce: new Uint8Array(32).fill(9) }), 403, "invalid_nonce"],
    [
      "report bound to another key",
      async () => certRequest({ bindKey: new Uint8Array(91).fill(1) }),
      403,
      "attestation_failed",
    ],
    [
      "report with debug policy",
      () => certRequest({ edit: (f) => ({ ...f, policy: { ...f.policy, debug: true } }) }),
      403,
      "attestation_failed",
    ],
    [
      "launch TCB below the minimum",
      () => certRequest({ edit: (f) => ({ ...f, launchTcb: { ...f.launchTcb, snp: f.launchTcb.snp - 1 } }) }),
      403,
      "attestation_failed",
    ],
  ];
  for (const [name, run, status, code] of rows) {
    test(`${name} → ${status} ${code}, state dir unchanged`, async () => {
      const before = stateFingerprint();
      const r = await run();
      expect(r.status).toBe(status);
      expect((r.body as { code: string }).code).toBe(code);
      expect(stateFingerprint()).toBe(before);
    });
  }

  test("refused evidence → logged with the reason and the policy digest it claims", async () => {
    logLines.length = 0;
    await certRequest({ edit: (f) => ({ ...f, policy: { ...f.policy, debug: true } }) });
    const refusal = logLines.map((l) => JSON.parse(l)).find((l) => l.msg === "mesh certificate refused");
    expect(refusal?.reason).toBe("attestation_failed");
    expect(refusal?.claimedPolicy).toBe(docs.web!.digest);
  });

  test("P-384 public key with a valid report → 400 invalid_argument, and the nonce is still unused", async () => {
    const n = await nonce();
    const r = await certRequest({ useNonce: n, curve: "P-384" });
    expect(r.status).toBe(400);
    expect((r.body as { code: string }).code).toBe("invalid_argument");
    expect((await certRequest({ useNonce: n })).status).toBe(200);
  });

  test("replayed nonce → first admitted, second invalid_nonce", async () => {
    const n = await nonce();
    expect((await certRequest({ useNonce: n })).status).toBe(200);
    const again = await certRequest({ useNonce: n });
    expect((again.body as { code: string }).code).toBe("invalid_nonce");
  });
});

async function rawPost(path: string, body: string) {
  const url = `https://${coordinator.meshApi}${path}`;
  const r = await fetch(url, {
    method: "POST",
    body,
    headers: { "content-type": "application/json" },
    tls: { rejectUnauthorized: false },
  } as RequestInit);
  return { status: r.status, body: await r.json() };
}

describe("user API", () => {
  test("malformed manifest → invalid_argument, state dir unchanged", async () => {
    const before = stateFingerprint();
    const r = await call(
      "/v1/manifest",
      {
        manifest: toBase64(new TextEncoder().encode("{")),
        policies: [],
        previousTransition: "00".repeat(32),
      },
      "user",
    );
    expect((r.body as { code: string }).code).toBe("invalid_argument");
    expect(stateFingerprint()).toBe(before);
  });

  test("20 parallel signed updates against the same previous transition → exactly one wins, no fork", async () => {
    const attest = await call("/v1/attest", { nonce: toBase64(new Uint8Array(32)) }, "user");
    const manifests = (attest.body as { manifests: string[] }).manifests.map((m) => fromBase64(m));
    const prev = chainTransitionHashes(manifests);
    const results = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const bytes = manifestBytes(`replica-${i}`);
        const sig = await signTransition(owner.privateKey, computeTransitionHash(bytes, prev));
        return call(
          "/v1/manifest",
          {
            manifest: toBase64(bytes),
            policies: allPolicies(),
            previousTransition: toHex(prev),
            signature: toBase64(sig),
          },
          "user",
        );
      }),
    );
    const ok = results.filter((r) => r.status === 200);
    expect(ok.length).toBe(1);
    for (const r of results.filter((x) => x.status !== 200))
      expect((r.body as { code: string }).code).toBe("manifest_conflict");
    const after = await call("/v1/attest", { nonce: toBase64(new Uint8Array(32)) }, "user");
    expect((after.body as { manifests: string[] }).manifests.length).toBe(manifests.length + 1);
    expect(coordinator.state.generation).toBe(manifests.length + 1);
  }, 60_000);

  test("200 concurrent Initializers → all served", async () => {
    const config = readInitializerConfig(
      { tee: "sim", simDir: sim.dir, simInitdata: docs.web!.path, outDir: join(dir, "out") },
      { COORDINATOR_HOST: coordinator.meshApi },
    );
    const deps = await prepareInitializer(config, silentLogger, { verifier: createEvidenceVerifier() });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) =>
        requestMeshCert({ ...config, outDir: join(dir, `out-${i}`) }, deps),
      ),
    );
    const failed = outcomes.filter((o) => o.status === "rejected");
    expect(failed.map((f) => String((f as PromiseRejectedResult).reason))).toEqual([]);
  }, 120_000);
});

describe("simulated ARK warnings", () => {
  test("manifest set whose reference values trust a SimulatedARK → warning logged", async () => {
    logLines.length = 0;
    const attest = await call("/v1/attest", { nonce: toBase64(new Uint8Array(32)) }, "user");
    const prev = chainTransitionHashes(
      (attest.body as { manifests: string[] }).manifests.map((m) => fromBase64(m)),
    );
    const bytes = manifestBytes("warned");
    const sig = await signTransition(owner.privateKey, computeTransitionHash(bytes, prev));
    const body = { manifest: toBase64(bytes), policies: allPolicies(), previousTransition: toHex(prev) };
    const r = await call("/v1/manifest", { ...body, signature: toBase64(sig) }, "user");
    expect(r.status).toBe(200);
    const warnings = logLines.map((l) => JSON.parse(l)).filter((l) => l.level === "warn");
    expect(warnings.map((w) => w.event)).toContain("manifest set");
  });

  test("start over a stored history that trusts a SimulatedARK → warning logged at start", async () => {
    const lines: string[] = [];
    const second = await startSimCoordinator({
      simDir: sim.dir,
      policy: docs.coordinator!.digest,
      stateDir,
      log: createLogger({ level: "info", format: "json", write: (l) => lines.push(l) }),
    });
    await second.stop();
    const warnings = lines.map((l) => JSON.parse(l)).filter((l) => l.level === "warn");
    expect(warnings.map((w) => w.event)).toEqual(["start"]);
  });
});
