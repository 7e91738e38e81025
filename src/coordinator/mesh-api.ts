// The mesh API on port 7777 (docs/architecture.md, wire protocol): the Coordinator's attestation for Initializers, single-use nonces and
// attested mesh certificates.

import { type Context, Hono } from "hono";
import { ApiError } from "../api/errors.ts";
import { meshReportData } from "../api/report-data.ts";
import { parseAttestRequest, parseMeshCertRequest } from "../api/schema.ts";
import type { MeshAttestResponse, MeshCertResponse, MeshNonceResponse } from "../api/types.ts";
import { claimedHostData } from "../attestation/claimed-host-data.ts";
import { toBase64, toHex } from "../common/bytes.ts";
import { ContrastError } from "../common/errors.ts";
import type { Logger } from "../common/log.ts";
import { issueMeshCert, OID_WORKLOAD_SECRET_ID } from "../crypto/ca.ts";
import { encodeOctetString } from "../crypto/der.ts";
import { trackEcdsaWork } from "../crypto/ecdsa-runner.ts";
import { sealEnvelope } from "../crypto/envelope.ts";
import { curveOf, ecPointOfSpki, importEcPublicKeySpki } from "../crypto/keys.ts";
import type { RandomSource } from "../crypto/random.ts";
import type { EvidenceVerifier } from "../manifest/verify-evidence.ts";
import { attestState, type StateAttester } from "./attest-state.ts";
import { installCommon, readJson } from "./http.ts";
import type { CoordinatorMetrics } from "./metrics.ts";
import type { NonceStore } from "./nonce-store.ts";
import type { CoordinatorState } from "./state.ts";

export interface MeshApiDeps extends StateAttester {
  state: CoordinatorState;
  verifier: EvidenceVerifier;
  nonces: NonceStore;
  metrics: CoordinatorMetrics;
  log: Logger;
  now: () => Date;
  random: RandomSource;
}

export function createMeshApi(deps: MeshApiDeps): Hono {
  const app = new Hono();
  installCommon(app, { ...deps, maxBody: 256 * 1024 });

  // Only a ready Coordinator answers: an Initializer has nothing to gain from a history nobody has unlocked.
  app.post("/v1/mesh/attest", async (c) => {
    deps.state.requireReady();
    const { nonce } = parseAttestRequest(await readJson(c));
    const res: MeshAttestResponse = await attestState(deps, deps.state.snapshot(), nonce, "mesh");
    return c.json(res);
  });

  app.post("/v1/mesh/nonce", (c) => {
    deps.state.requireReady();
    const res: MeshNonceResponse = { nonce: toBase64(deps.nonces.issue()) };
    return c.json(res);
  });

  // One admission is one unit of ECDSA work: alone it runs inline, with others its signatures use every core.
  app.post("/v1/mesh/cert", (c) => trackEcdsaWork(() => admit(c)));

  async function admit(c: Context): Promise<Response> {
    const active = deps.state.requireReady();
    const { nonce, publicKey: spki, evidence } = parseMeshCertRequest(await readJson(c));
    // Mesh certificates are for P-256 keys only: anything else is refused before the nonce is looked at.
    let publicKey: CryptoKey;
    try {
      publicKey = await importEcPublicKeySpki(spki, "publicKey");
    } catch (e) {
      throw new ApiError("invalid_argument", e instanceof Error ? e.message : "publicKey: invalid");
    }
    const curve = curveOf(publicKey);
    if (curve !== "P-256")
      throw new ApiError("invalid_argument", `publicKey: expected ecdsa p-256, got ${curve}`);
    // The key as WebCrypto exports it (the usual form): then the leaf and the envelope need no export of their own.
    const canonical = ecPointOfSpki(spki);
    const refuse = (
      code: "invalid_nonce" | "attestation_failed" | "policy_not_in_manifest" | "unavailable",
      reason: string,
      extra = {},
    ) => {
      deps.metrics.admissions.inc({ result: "refused", reason: code });
      deps.log.warn("mesh certificate refused", { reason: code, detail: reason, ...extra });
      return new ApiError(code, reason);
    };
    const fresh = deps.nonces.check(nonce);
    if (fresh !== "ok")
      throw refuse("invalid_nonce", `nonce: expected one issued here and unused, got ${fresh}`);
    let verified: Awaited<ReturnType<EvidenceVerifier["verify"]>>;
    try {
      verified = await deps.verifier.verify(
        evidence,
        active.manifest.ReferenceValues,
        meshReportData(nonce, spki),
      );
    } catch (e) {
      if (!(e instanceof ContrastError)) throw e;
      // The digest is what the refused report claims (unverified), so an operator can tell which pod it was.
      throw refuse("attestation_failed", `evidence: ${e.message}`, {
        code: e.code,
        claimedPolicy: claimedHostData(evidence) ?? "unparseable",
      });
    }
    // Only nonces of verified evidence are remembered (see nonce-store.ts).
    const redeemed = deps.nonces.redeem(nonce);
    if (redeemed === "replayed") throw refuse("invalid_nonce", "nonce: expected unused, got replayed");
    if (redeemed === "full") throw refuse("unavailable", "nonce: too many admissions in flight, retry later");
    const digest = toHex(verified.hostData);
    const entry = active.manifest.Policies[digest];
    if (!entry)
      throw refuse("policy_not_in_manifest", `policy ${digest} is not in the manifest`, { policy: digest });
    const secretId = entry.WorkloadSecretID ?? "";
    const extensions = [...verified.claims];
    if (secretId)
      extensions.push({
        oid: OID_WORKLOAD_SECRET_ID,
        value: encodeOctetString(new TextEncoder().encode(secretId)),
      });
    const ctx = { now: deps.now(), random: deps.random };
    // Under load the leaf is signed on node:crypto's thread pool while the secret is sealed on this thread.
    const [leaf, workloadSecret] = await Promise.all([
      issueMeshCert(
        active.ca,
        { publicKey, ...(canonical ? { publicKeySpki: spki } : {}), sans: entry.SANs, extensions },
        ctx,
      ),
      secretId
        ? sealEnvelope(publicKey, active.seed.deriveWorkloadSecret(secretId), deps.random, canonical?.point)
        : undefined,
    ]);
    const res: MeshCertResponse = {
      certChain: leaf + active.ca.intermediatePem,
      meshCA: active.ca.meshCAPem,
      rootCA: active.ca.rootCAPem,
    };
    if (workloadSecret !== undefined) res.workloadSecret = workloadSecret;
    deps.metrics.admissions.inc({ result: "admitted", reason: "" });
    deps.log.info("mesh certificate issued", { policy: digest, sans: entry.SANs.join(",") });
    return c.json(res);
  }

  return app;
}
