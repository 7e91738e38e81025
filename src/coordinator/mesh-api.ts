// The mesh API on port 7777 (DESIGN.md §4): single-use nonces and attested mesh certificates for Initializers.

import { Hono } from "hono";
import { ApiError } from "../api/errors.ts";
import { meshReportData } from "../api/report-data.ts";
import { expectBase64, expectObject, parseEvidence } from "../api/schema.ts";
import type { MeshCertResponse, MeshNonceResponse } from "../api/types.ts";
import { claimedHostData } from "../attestation/claimed-host-data.ts";
import { toBase64, toHex } from "../common/bytes.ts";
import { ContrastError } from "../common/errors.ts";
import type { Logger } from "../common/log.ts";
import { issueMeshCert, OID_WORKLOAD_SECRET_ID } from "../crypto/ca.ts";
import { encodeOctetString } from "../crypto/der.ts";
import { sealEnvelope } from "../crypto/envelope.ts";
import { importEcPublicKeySpki } from "../crypto/keys.ts";
import type { RandomSource } from "../crypto/random.ts";
import { installCommon, readJson } from "./http.ts";
import type { CoordinatorMetrics } from "./metrics.ts";
import type { NonceStore } from "./nonce-store.ts";
import type { CoordinatorState } from "./state.ts";
import type { EvidenceVerifier } from "./verifier.ts";

export interface MeshApiDeps {
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

  app.post("/v1/mesh/nonce", (c) => {
    deps.state.requireReady();
    const res: MeshNonceResponse = { nonce: toBase64(deps.nonces.issue()) };
    return c.json(res);
  });

  app.post("/v1/mesh/cert", async (c) => {
    const active = deps.state.requireReady();
    const body = expectObject(await readJson(c), "body", ["nonce", "publicKey", "evidence"]);
    const nonce = expectBase64(body.nonce, "nonce", { length: 32 });
    const spki = expectBase64(body.publicKey, "publicKey", { maxBytes: 512 });
    const evidence = parseEvidence(body.evidence);
    const refuse = (
      code: "invalid_nonce" | "attestation_failed" | "policy_not_in_manifest" | "invalid_argument",
      reason: string,
      extra = {},
    ) => {
      deps.metrics.admissions.inc({ result: "refused", reason: code });
      deps.log.warn("mesh certificate refused", { reason: code, detail: reason, ...extra });
      return new ApiError(code, reason);
    };
    if (!deps.nonces.consume(nonce)) throw refuse("invalid_nonce", "nonce: unknown, expired or already used");
    let publicKey: CryptoKey;
    try {
      publicKey = await importEcPublicKeySpki(spki, "publicKey");
    } catch (e) {
      throw refuse("invalid_argument", e instanceof Error ? e.message : "publicKey: invalid");
    }
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
    const leaf = await issueMeshCert(active.ca, { publicKey, sans: entry.SANs, extensions }, ctx);
    const res: MeshCertResponse = {
      certChain: leaf + active.ca.intermediatePem,
      meshCA: active.ca.meshCAPem,
      rootCA: active.ca.rootCAPem,
    };
    if (secretId)
      res.workloadSecret = await sealEnvelope(
        publicKey,
        active.seed.deriveWorkloadSecret(secretId),
        deps.random,
      );
    deps.metrics.admissions.inc({ result: "admitted", reason: "" });
    deps.log.info("mesh certificate issued", { policy: digest, sans: entry.SANs.join(",") });
    return c.json(res);
  });

  return app;
}
