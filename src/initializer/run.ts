// The Initializer: new key → nonce → attested cert request → files in the shared volume (DESIGN.md §4).
//
// The mesh API is reached over TLS without a trust anchor: the Initializer has no manifest and cannot attest the
// Coordinator. Nothing it receives depends on that channel's secrecy: the certificate and CA are public, and the
// workload secret arrives encrypted to the key bound into this pod's own report (DESIGN.md §3.2).

import { ApiCallError, expectOk, postJson } from "../api/client.ts";
import { meshReportData } from "../api/report-data.ts";
import { encodeEvidence } from "../api/schema.ts";
import type { Issuer } from "../attestation/evidence.ts";
import { createSimIssuer } from "../attestation/sim-issuer.ts";
import { createTsmIssuer } from "../attestation/tsm-issuer.ts";
import { fromBase64, toBase64, toHex } from "../common/bytes.ts";
import { PolicyError, UnavailableError } from "../common/errors.ts";
import type { Logger } from "../common/log.ts";
import { openEnvelope } from "../crypto/envelope.ts";
import { exportEcPrivateKeyPkcs8Pem, exportPublicKeySpki, generateEcKeyPair } from "../crypto/keys.ts";
import type { InitializerConfig } from "./config.ts";
import { writeInitializerFiles } from "./write-files.ts";

/** Refusals that a later manifest could turn into an admission: keep retrying like a pod would. */
const RETRYABLE = new Set(["no_manifest", "needs_recovery", "unavailable", "internal", "invalid_nonce"]);

export async function selectInitializerIssuer(config: InitializerConfig): Promise<Issuer> {
  if (config.tee === "sim") return createSimIssuer(config.simDir!, config.simHostData!);
  const issuer = createTsmIssuer(config.tee === "auto" ? {} : { expect: config.tee });
  await issuer.probe();
  return issuer;
}

/** One attempt: returns the files written, or throws (ApiCallError for refusals). */
export async function requestMeshCert(
  config: InitializerConfig,
  issuer: Issuer,
  log: Logger,
): Promise<string[]> {
  const key = await generateEcKeyPair("P-256");
  const spki = await exportPublicKeySpki(key.publicKey);
  const trust = { kind: "unverified-until-attested" } as const; // see file comment
  const nonceRes = expectOk(
    await postJson(config.coordinator, "/v1/mesh/nonce", {}, { trust }),
    "mesh nonce",
  );
  const nonce = fromBase64(String(nonceRes.nonce), "nonce");
  const evidence = await issuer.issue(meshReportData(nonce, spki));
  const res = await postJson(
    config.coordinator,
    "/v1/mesh/cert",
    { nonce: toBase64(nonce), publicKey: toBase64(spki), evidence: encodeEvidence(evidence) },
    { trust },
  );
  const body = expectOk(res, "mesh certificate");
  const workloadSecret =
    body.workloadSecret === undefined
      ? undefined
      : toHex(await openEnvelope(key.privateKey, body.workloadSecret));
  const written = writeInitializerFiles(config.outDir, {
    meshCA: String(body.meshCA),
    certChain: String(body.certChain),
    rootCA: String(body.rootCA),
    keyPem: await exportEcPrivateKeyPkcs8Pem(key),
    ...(workloadSecret === undefined ? {} : { workloadSecretHex: workloadSecret }),
  });
  log.info("mesh certificate received", {
    files: written.length,
    workloadSecret: workloadSecret !== undefined,
  });
  return written;
}

/** Retries with capped exponential backoff until success or `timeoutMs`. */
export async function run(config: InitializerConfig, log: Logger, issuer?: Issuer): Promise<string[]> {
  const iss = issuer ?? (await selectInitializerIssuer(config));
  const deadline = config.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + config.timeoutMs;
  let delay = 250;
  for (let attempt = 1; ; attempt++) {
    try {
      return await requestMeshCert(config, iss, log);
    } catch (e) {
      const retryable = e instanceof UnavailableError || (e instanceof ApiCallError && RETRYABLE.has(e.code));
      const refused = e instanceof ApiCallError && !RETRYABLE.has(e.code);
      log.warn("mesh certificate request failed", {
        attempt,
        error: e instanceof Error ? e.message : String(e),
      });
      if (!retryable && !refused) throw e;
      if (Date.now() + delay > deadline) {
        if (refused) throw new PolicyError((e as ApiCallError).code, (e as ApiCallError).message);
        throw e;
      }
      await Bun.sleep(delay);
      delay = Math.min(delay * 2, 10_000);
    }
  }
}
