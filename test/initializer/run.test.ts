// The Initializer against whoever answers at COORDINATOR_HOST (issue 10 §1), over real HTTPS on loopback: an
// impostor with its own certificates and secret, a genuine Coordinator with another policy, a genuine Coordinator
// with this policy but another owner's history. Each is refused and nothing is written; the real one is accepted.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { X509Certificate } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { postJson } from "../../src/api/client.ts";
import { meshAttestReportData } from "../../src/api/report-data.ts";
import { encodeEvidence } from "../../src/api/schema.ts";
import { createSimIssuer } from "../../src/attestation/sim-issuer.ts";
import { fromBase64, toBase64, toHex } from "../../src/common/bytes.ts";
import {
  ConfigError,
  type ContrastError,
  PolicyError,
  UnavailableError,
  UsageError,
  VerificationError,
} from "../../src/common/errors.ts";
import { silentLogger } from "../../src/common/log.ts";
import type { RunningCoordinator } from "../../src/coordinator/server.ts";
import {
  createCertificateAuthority,
  createSelfSignedServerCert,
  issueMeshCert,
} from "../../src/crypto/ca.ts";
import { sealEnvelope } from "../../src/crypto/envelope.ts";
import {
  type EcKeyPair,
  exportEcPrivateKeyPkcs8Pem,
  exportPublicKeySpki,
  generateEcKeyPair,
  importEcPublicKeySpki,
} from "../../src/crypto/keys.ts";
import { defaultRandom } from "../../src/crypto/random.ts";
import { computeTransitionHash, signTransition, ZERO_HASH } from "../../src/crypto/transition.ts";
import { readInitializerConfig } from "../../src/initializer/config.ts";
import { run } from "../../src/initializer/run.ts";
import { createEvidenceVerifier } from "../../src/manifest/verify-evidence.ts";
import { createTestSim, SIM_TIMEOUT_MS } from "../attestation/sim/fixture.ts";
import { expectCode } from "../support/expect-error.ts";
import { policyDocument, tempDir } from "../support/harness.ts";
import { startSimCoordinator } from "../support/sim-coordinator.ts";

type Sim = Awaited<ReturnType<typeof createTestSim>>;
type Doc = ReturnType<typeof policyDocument>;

const dir = tempDir("initializer");
let sim: Sim;
let owner: EcKeyPair;
let stranger: EcKeyPair;
const docs: Record<string, Doc> = {};
const running: { stop(): Promise<void> | void }[] = [];

const hex = async (k: EcKeyPair) => toHex(await exportPublicKeySpki(k.publicKey));
const fromHexString = (h: string) => new Uint8Array(Buffer.from(h, "hex"));

function manifestFor(coordinator: Doc, ownerHex: string, referenceValues = sim.referenceValues): Uint8Array {
  const m = {
    Policies: {
      [coordinator.digest]: { SANs: ["coordinator"], Role: "coordinator" },
      [docs.web!.digest]: {
        SANs: ["web", "*", "127.0.0.1"],
        WorkloadSecretID: "apps/v1/Deployment/default/web",
      },
    },
    ReferenceValues: referenceValues,
    WorkloadOwnerPubKeys: [ownerHex],
    SeedshareOwnerPubKeys: [],
  };
  return new TextEncoder().encode(`${JSON.stringify(m, null, 2)}\n`);
}

/** A genuine Coordinator on the sim TEE with `coordinator`'s policy and a first manifest signed by `signer`. */
async function genuineCoordinator(coordinator: Doc, signer: EcKeyPair): Promise<RunningCoordinator> {
  const c = await startSimCoordinator({ simDir: sim.dir, policy: coordinator.digest });
  running.push(c);
  const bytes = manifestFor(coordinator, await hex(signer));
  const signature = await signTransition(signer.privateKey, computeTransitionHash(bytes, ZERO_HASH));
  const r = await postJson(
    c.userApi,
    "/v1/manifest",
    {
      manifest: toBase64(bytes),
      policies: [coordinator, docs.web!].map((d) => toBase64(d.bytes)),
      previousTransition: "00".repeat(32),
      signature: toBase64(signature),
    },
    { trust: { kind: "unverified-until-attested" } },
  );
  expect(r.status).toBe(200);
  return c;
}

/**
 * An impostor at the mesh API: its own TLS certificate, CA and workload secret (sealed to the key in the request),
 * and a history it wrote itself: a manifest that trusts its own sim chain, signed by its own key, attested with a
 * report from that chain that claims the pinned Coordinator policy. Only the owner's signature is out of its reach.
 */
async function impostor(): Promise<{ endpoint: string; served: string[] }> {
  const ownSim = await createTestSim("Genoa");
  const tlsKey = await generateEcKeyPair("P-256");
  const ctx = { now: new Date(), random: defaultRandom };
  const certPem = await createSelfSignedServerCert(tlsKey, ctx, { commonName: "contrast-coordinator" });
  const tlsSpki = new Uint8Array(
    new X509Certificate(certPem).publicKey.export({ type: "spki", format: "der" }),
  );
  const ca = await createCertificateAuthority(
    await generateEcKeyPair("P-384"),
    await generateEcKeyPair("P-384"),
    ctx,
  );
  const manifest = manifestFor(docs.coordinator!, await hex(stranger), ownSim.referenceValues);
  const latest = computeTransitionHash(manifest, ZERO_HASH);
  const signature = await signTransition(stranger.privateKey, latest);
  const issuer = await createSimIssuer(ownSim.dir, fromHexString(docs.coordinator!.digest));
  const served: string[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    tls: { cert: certPem, key: await exportEcPrivateKeyPkcs8Pem(tlsKey) },
    async fetch(req) {
      const path = new URL(req.url).pathname;
      served.push(path);
      const body = (await req.json()) as Record<string, string>;
      if (path === "/v1/mesh/attest") {
        const nonce = fromBase64(body.nonce!);
        const binding = {
          nonce,
          tlsSpki,
          latestTransition: latest,
          rootCA: ca.rootCAPem,
          meshCA: ca.meshCAPem,
        };
        const evidence = await issuer.issue(meshAttestReportData(binding));
        return Response.json({
          version: "impostor",
          evidence: encodeEvidence(evidence),
          tlsPublicKey: toBase64(tlsSpki),
          manifests: [toBase64(manifest)],
          signatures: [toBase64(signature)],
          rootCA: ca.rootCAPem,
          meshCA: ca.meshCAPem,
        });
      }
      if (path === "/v1/mesh/nonce") return Response.json({ nonce: toBase64(defaultRandom(32)) });
      const podKey = await importEcPublicKeySpki(fromBase64(body.publicKey!));
      const leaf = await issueMeshCert(ca, { publicKey: podKey, sans: ["web", "*", "127.0.0.1"] }, ctx);
      return Response.json({
        certChain: leaf + ca.intermediatePem,
        meshCA: ca.meshCAPem,
        rootCA: ca.rootCAPem,
        workloadSecret: await sealEnvelope(podKey, new Uint8Array(64).fill(0x66)),
      });
    },
  });
  running.push({ stop: () => server.stop(true) });
  return { endpoint: `127.0.0.1:${server.port}`, served };
}

/** `timeout` undefined: retry forever, as in a pod (a test of a final failure then hangs if it is retried). */
function initialize(
  meshApi: string,
  outDir: string,
  doc: Doc = docs.web!,
  issuerDoc = doc,
  timeout: string | undefined = "2s",
) {
  const config = readInitializerConfig(
    { tee: "sim", simDir: sim.dir, simInitdata: doc.path, outDir, ...(timeout ? { timeout } : {}) },
    { COORDINATOR_HOST: meshApi },
  );
  return createSimIssuer(sim.dir, fromHexString(issuerDoc.digest)).then((issuer) =>
    run(config, silentLogger, { issuer, verifier: createEvidenceVerifier() }),
  );
}

async function refused(meshApi: string, cls: typeof VerificationError | typeof PolicyError, code: string) {
  const out = join(dir, `out-${code}-${Math.random().toString(16).slice(2)}`);
  const e: ContrastError = await expectCode(() => initialize(meshApi, out), cls, code);
  expect(existsSync(out)).toBe(false);
  return e;
}

beforeAll(async () => {
  sim = await createTestSim();
  owner = await generateEcKeyPair("P-384");
  stranger = await generateEcKeyPair("P-384");
  docs.coordinator = policyDocument(join(dir, "policies"), "coordinator");
  docs.otherCoordinator = policyDocument(join(dir, "policies"), "another coordinator");
  const pin = { coordinatorPolicies: [docs.coordinator.digest], deploymentKeys: [await hex(owner)] };
  docs.web = policyDocument(join(dir, "policies"), "web", pin);
  docs.unpinned = policyDocument(join(dir, "policies"), "web without a pin");
}, SIM_TIMEOUT_MS);

afterAll(async () => {
  for (const r of running) await r.stop();
});

describe("run (who answers at COORDINATOR_HOST)", () => {
  test("the deployment's own Coordinator → certificate, key and the workload secret written", async () => {
    const real = await genuineCoordinator(docs.coordinator!, owner);
    const out = join(dir, "out-real");
    const written = await initialize(real.meshApi, out);
    expect(written.length).toBe(5);
    expect(readFileSync(join(out, "secrets/workload-secret-seed"), "utf8")).toMatch(/^[0-9a-f]{128}$/);
    expect(readdirSync(join(out, "tls-config")).sort()).toEqual([
      "certChain.pem",
      "coordinator-root-ca.pem",
      "key.pem",
      "mesh-ca.pem",
    ]);
  }, 60_000);

  test("impostor with its own certificates, secret and self-signed history → refused, nothing written", async () => {
    const fake = await impostor();
    const e = await refused(fake.endpoint, VerificationError, "history_not_this_deployment");
    expect(e.message).toContain("started by someone else");
    expect(fake.served).toEqual(["/v1/mesh/attest"]); // never asked for a certificate or secret
  }, 60_000);

  test("relay that forwards the real Coordinator's attestation under its own TLS key → refused, nothing written", async () => {
    const real = await genuineCoordinator(docs.coordinator!, owner);
    const tlsKey = await generateEcKeyPair("P-256");
    const certPem = await createSelfSignedServerCert(tlsKey, { now: new Date(), random: defaultRandom });
    const relay = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      tls: { cert: certPem, key: await exportEcPrivateKeyPkcs8Pem(tlsKey) },
      async fetch(req) {
        const trust = { kind: "unverified-until-attested" } as const;
        const r = await postJson(real.meshApi, new URL(req.url).pathname, await req.json(), { trust });
        return Response.json(r.body, { status: r.status });
      },
    });
    running.push({ stop: () => relay.stop(true) });
    await refused(`127.0.0.1:${relay.port}`, VerificationError, "tls_key_mismatch");
  }, 60_000);

  test("genuine Coordinator of this owner running another policy → refused, nothing written", async () => {
    const other = await genuineCoordinator(docs.otherCoordinator!, owner);
    await refused(other.meshApi, PolicyError, "coordinator_policy_not_pinned");
  }, 60_000);

  test("genuine Coordinator with this policy whose first manifest another owner set → refused, nothing written", async () => {
    const foreign = await genuineCoordinator(docs.coordinator!, stranger);
    await refused(foreign.meshApi, VerificationError, "history_not_this_deployment");
  }, 60_000);
});

describe("run (the pod's own side)", () => {
  test("initdata whose digest is not the launch's HOST_DATA → refused before any request, nothing written", async () => {
    const out = join(dir, "out-mismatch");
    await expectCode(
      () => initialize("127.0.0.1:1", out, docs.web!, docs.unpinned!),
      VerificationError,
      "initdata_mismatch",
    );
    expect(existsSync(out)).toBe(false);
  });

  test("initdata without a Coordinator pin → ConfigError coordinator_pin_missing, nothing written", async () => {
    const out = join(dir, "out-unpinned");
    await expectCode(
      () => initialize("127.0.0.1:1", out, docs.unpinned!),
      ConfigError,
      "coordinator_pin_missing",
    );
    expect(existsSync(out)).toBe(false);
  });

  test("tls-config under --out-dir is a symlink to elsewhere → unsafe_out_dir, nothing written through it", async () => {
    const real = await genuineCoordinator(docs.coordinator!, owner);
    const out = join(dir, "out-symlink");
    const elsewhere = join(dir, "elsewhere");
    mkdirSync(out, { recursive: true });
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, join(out, "tls-config"));
    await expectCode(() => initialize(real.meshApi, out), ConfigError, "unsafe_out_dir");
    expect(readdirSync(elsewhere)).toEqual([]);
    expect(existsSync(join(out, "secrets"))).toBe(false);
  }, 60_000);
});

describe("run (COORDINATOR_HOST names something else than the mesh API)", () => {
  test("the Coordinator's user API → wrong_api_port at once, not retried, nothing written", async () => {
    const real = await genuineCoordinator(docs.coordinator!, owner);
    const out = join(dir, "out-user-api");
    const e = await expectCode(
      () => initialize(real.userApi, out, docs.web!, docs.web!, undefined),
      UnavailableError,
      "wrong_api_port",
    );
    expect(e.message).toContain(
      "serves the coordinator's user API: this looks like the user API port 1313; the mesh API is 7777 (COORDINATOR_HOST=HOST:7777)",
    );
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  test("a plain-HTTP port (the probes) → tls_protocol_error at once, not retried", async () => {
    const real = await genuineCoordinator(docs.coordinator!, owner);
    const e = await expectCode(
      () => initialize(real.probe, join(dir, "out-probe"), docs.web!, docs.web!, undefined),
      UnavailableError,
      "tls_protocol_error",
    );
    expect(e.message).toContain("the peer does not speak TLS there");
  }, 60_000);
});

describe("readInitializerConfig (COORDINATOR_HOST)", () => {
  const host = (v: string | undefined) =>
    readInitializerConfig({ tee: "snp" }, v === undefined ? {} : { COORDINATOR_HOST: v }).coordinator;

  test("without a port → the mesh API's 7777; unset → coordinator:7777; IPv6 → in brackets", () => {
    expect(host("coordinator.default.svc.cluster.local")).toBe("coordinator.default.svc.cluster.local:7777");
    expect(host(undefined)).toBe("coordinator:7777");
    expect(host("10.0.0.5:17777")).toBe("10.0.0.5:17777");
    expect(host("fd00::5")).toBe("[fd00::5]:7777");
  });

  test("a malformed address → UsageError invalid_endpoint naming COORDINATOR_HOST (it would never connect)", async () => {
    for (const v of [":99999", "coordinator:99999", "https://coordinator:7777"]) {
      const e = await expectCode(() => host(v), UsageError, "invalid_endpoint");
      expect(e.message).toStartWith("COORDINATOR_HOST: expected ");
    }
  });
});
