// The Initializer: prove the pod's own initdata → attest the Coordinator against the pin in it → attested cert
// request over the pinned connection → check the answer → files in the shared volume (issue 10 §1; docs/architecture.md, trust chain).
//
// In a pod without the mesh sidecar (CONTRAST_SERVICE_MESH_DISABLED=true) the guest's default-deny rule is removed
// first, before anything else: nobody else would, and the pod would stay unreachable inbound. Without CAP_NET_ADMIN
// that fails with net_admin_missing (exit 3), a failing iptables with netfilter_failed (exit 6); neither is retried
// here (the kubelet restarts the init container). Env unset: netfilter is never touched.
//
// Nothing is written before every check passed. Checks that fail mean an impostor or another deployment's
// Coordinator answered: they are not retried (exit 4 or 5). A Coordinator that is unreachable, not yet set up or in
// recovery is retried, as an init container should.

import { expectOk, postJson } from "../api/client.ts";
import { ApiError } from "../api/errors.ts";
import { meshReportData } from "../api/report-data.ts";
import { encodeEvidence } from "../api/schema.ts";
import type { Issuer } from "../attestation/evidence.ts";
import { selectIssuer } from "../attestation/select-issuer.ts";
import { fromBase64, toBase64, toHex } from "../common/bytes.ts";
import { sha256 } from "../common/digest.ts";
import { UnavailableError, VerificationError } from "../common/errors.ts";
import type { Logger } from "../common/log.ts";
import { openEnvelope } from "../crypto/envelope.ts";
import { exportEcPrivateKeyPkcs8Pem, exportPublicKeySpki, generateEcKeyPair } from "../crypto/keys.ts";
import { checkMeshCertChain } from "../crypto/mesh-chain.ts";
import { defaultRandom, type RandomSource } from "../crypto/random.ts";
import { createCollateralVerifier } from "../manifest/collateral-verifier.ts";
import type { EvidenceVerifier } from "../manifest/verify-evidence.ts";
import { type LiftDefaultDenyDeps, liftDefaultDeny } from "../netfilter/default-deny.ts";
import { attestCoordinatorForPod } from "./attest-coordinator.ts";
import { ENV_SERVICE_MESH_DISABLED, type InitializerConfig } from "./config.ts";
import { readInitdataDocument } from "./initdata-reader.ts";
import { loadOwnInitdata, type OwnInitdata } from "./own-initdata.ts";
import { writeInitializerFiles } from "./write-files.ts";

/** Refusals that a later manifest could turn into an admission: keep retrying like a pod would. */
const _RETRYABLE = new Set(["no_manifest", "needs_recovery", "unavailable", "internal", "invalid_nonce"]);

/**
 * COORDINATOR_HOST names something that is not the Coordinator's mesh API (its user API, a plain-HTTP port, another
 * service): retrying cannot help, so the init container fails at once with the reason. A name that does not resolve
 * yet, a refused or timed-out connection are retried: the Coordinator's Service or pod may come up later.
 */
const WRONG_ADDRESS = new Set(["wrong_api_port", "not_a_coordinator", "tls_protocol_error"]);

export interface InitializerDeps {
  readonly issuer: Issuer;
  readonly verifier: EvidenceVerifier;
  readonly own: OwnInitdata;
  readonly log: Logger;
  readonly random: RandomSource;
  readonly now: () => Date;
}

/** On hardware configfs-tsm; with the sim TEE a launch that binds SHA-256 of `--sim-initdata` as HOST_DATA. */
/** Verifies the Coordinator's evidence the way the Coordinator verifies pods' (src/coordinator/run.ts). */
export function createInitializerVerifier(config: InitializerConfig, log?: Logger): EvidenceVerifier {
  return createCollateralVerifier({
    cacheDir: config.cacheDir,
    endpoints: config.collateral,
    ...(log
      ? { warn: (detail: string) => log.warn("coordinator evidence admitted with a relaxation", { detail }) }
      : {}),
  });
}

/** One attempt: returns the files written, or throws (ApiError for the Coordinator's refusals). */
export async function requestMeshCert(config: InitializerConfig, deps: InitializerDeps): Promise<string[]> {
  const coordinator = await attestCoordinatorForPod(config.coordinator, deps.own.pin, deps);
  const trust = { kind: "pinned", certDer: coordinator.certDer } as const;
  const key = await generateEcKeyPair("P-256");
  const spki = await exportPublicKeySpki(key.publicKey);
  const nonceRes = expectOk(
    await postJson(config.coordinator, "/v1/mesh/nonce", {}, { trust }),
    "mesh nonce",
  );
  const nonce = fromBase64(String(nonceRes.nonce), "nonce");
  const evidence = await deps.issuer.issue(meshReportData(nonce, spki));
  const res = await postJson(
    config.coordinator,
    "/v1/mesh/cert",
    { nonce: toBase64(nonce), publicKey: toBase64(spki), evidence: encodeEvidence(evidence) },
    { trust },
  );
  const body = expectOk(res, "mesh certificate");
  const entry = coordinator.newest.Policies[toHex(deps.own.digest)];
  if (body.meshCA !== coordinator.meshCA || body.rootCA !== coordinator.rootCA || entry === undefined) {
    // The attested Coordinator moved on (an update between attestation and request): attest again.
    throw new UnavailableError(
      "coordinator_state_changed",
      "mesh certificate: issued under a newer manifest than attested",
    );
  }
  await checkMeshCertChain({
    certChainPem: String(body.certChain),
    meshCAPem: coordinator.meshCA,
    rootCAPem: coordinator.rootCA,
    expectedSpki: spki,
    expectedSans: entry.SANs,
    now: deps.now(),
  });
  if ((entry.WorkloadSecretID !== undefined) !== (body.workloadSecret !== undefined)) {
    throw new VerificationError(
      "workload_secret_mismatch",
      `workloadSecret: expected ${entry.WorkloadSecretID === undefined ? "none" : "one"} for this pod's manifest entry, got the opposite`,
    );
  }
  const workloadSecret =
    body.workloadSecret === undefined
      ? undefined
      : toHex(await openEnvelope(key.privateKey, body.workloadSecret));
  const written = writeInitializerFiles(config.outDir, {
    meshCA: coordinator.meshCA,
    certChain: String(body.certChain),
    rootCA: coordinator.rootCA,
    keyPem: await exportEcPrivateKeyPkcs8Pem(key),
    ...(workloadSecret === undefined ? {} : { workloadSecretHex: workloadSecret }),
  });
  deps.log.info("mesh certificate received", {
    files: written.length,
    workloadSecret: workloadSecret !== undefined,
    coordinatorPolicy: coordinator.coordinatorPolicy,
  });
  return written;
}

/** Everything an attempt needs, with the pod's own initdata proven once (not retried: a mismatch is final). */
export async function prepareInitializer(
  config: InitializerConfig,
  log: Logger,
  deps: Partial<Pick<InitializerDeps, "issuer" | "verifier" | "random" | "now">> = {},
): Promise<InitializerDeps> {
  const issuer =
    deps.issuer ??
    (await selectIssuer(
      config.tee,
      config.simDir === undefined
        ? undefined
        : { dir: config.simDir, hostData: () => sha256(readInitdataDocument([config.simInitdata!]).toml) },
    ));
  const random = deps.random ?? defaultRandom;
  const paths = config.tee === "sim" ? [config.simInitdata!] : config.initdataPaths;
  const own = await loadOwnInitdata(paths, issuer, random);
  log.info("initdata matches this pod's launch", { path: own.path, policy: toHex(own.digest) });
  return {
    issuer,
    verifier: deps.verifier ?? createInitializerVerifier(config, log),
    own,
    log,
    random,
    now: deps.now ?? (() => new Date()),
  };
}

export type RunDeps = Partial<Pick<InitializerDeps, "issuer" | "verifier" | "random" | "now">> & {
  /** iptables runner and capability check (tests record the sequence). */
  readonly netfilter?: LiftDefaultDenyDeps;
};

/**
 * Lifts the default deny when told to, proves the pod's initdata once, then retries with capped exponential backoff
 * until success or `timeoutMs`.
 */
export async function run(config: InitializerConfig, log: Logger, deps: RunDeps = {}): Promise<string[]> {
  if (config.removeDefaultDeny) {
    const removed = await liftDefaultDeny(`${ENV_SERVICE_MESH_DISABLED}=true`, deps.netfilter);
    log.info("default-deny rule removed (no service mesh in this pod)", { removed });
  }
  const full = await prepareInitializer(config, log, deps);
  const deadline = config.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + config.timeoutMs;
  let delay = 250;
  for (let attempt = 1; ; attempt++) {
    try {
      return await requestMeshCert(config, full);
    } catch (e) {
      // Refusals and unavailability are retried; a failed check of the pod's own side is final.
      const retryable =
        (e instanceof ApiError || e instanceof UnavailableError) && !WRONG_ADDRESS.has(e.code);
      full.log.warn("mesh certificate request failed", {
        attempt,
        error: e instanceof Error ? e.message : String(e),
      });
      if (!retryable) throw e;
      if (Date.now() + delay > deadline) {
        throw e;
      }
      await Bun.sleep(delay);
      delay = Math.min(delay * 2, 10_000);
    }
  }
}
