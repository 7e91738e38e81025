// Attests a Coordinator for `set`, `verify` and `recover`, then returns its TLS certificate pinned for later calls.

import { expectOk, isTransientFailure, type JsonResponse, postJson, spkiOfCert } from "../api/client.ts";
import { ApiError } from "../api/errors.ts";
import { attestReportData } from "../api/report-data.ts";
import { type AttestResponseBody, parseAttestResponse } from "../api/schema.ts";
import { explainNotFound } from "../api/wrong-port.ts";
import { constantTimeEqual, toHex } from "../common/bytes.ts";
import { PolicyError, UnavailableError, VerificationError } from "../common/errors.ts";
import type { Logger } from "../common/log.ts";
import { chainTransitionHashes } from "../crypto/transition.ts";
import type { Manifest } from "../manifest/schema.ts";
import type { EvidenceVerifier } from "../manifest/verify-evidence.ts";

export interface AttestedCoordinator {
  /** DER of the Coordinator's TLS certificate, bound into the verified report: pin it for every later call. */
  certDer: Uint8Array;
  version: string;
  /** "ready", "uninitialized", or "recovery" (then `manifests` is the stored history, not yet unlocked by a seed). */
  phase: "uninitialized" | "recovery" | "ready";
  manifests: readonly Uint8Array[];
  /** Workload-owner signature of each transition, same order as `manifests`. */
  signatures: readonly Uint8Array[];
  policies: readonly Uint8Array[];
  latestTransition: Uint8Array;
  rootCA: string;
  meshCA: string;
  /** Policy digest the Coordinator runs with (its HOST_DATA / MRCONFIGID). */
  coordinatorPolicy: string;
}

export interface AttestOptions {
  verifier: EvidenceVerifier;
  log: Logger;
  /** Keep retrying while the Coordinator is unreachable, up to this long (default 180 s). */
  retryForMs?: number;
  random?: (n: number) => Uint8Array;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * `POST /v1/attest` with a fresh nonce. The answer is trusted only after: the evidence verifies against the
 * reference values of `manifest` (the one the user is about to set or expects), the report data binds our nonce,
 * the TLS key of this very connection and the returned state, and the report's policy digest is a `coordinator`
 * entry of `manifest`.
 */
export async function attestCoordinator(
  endpoint: string,
  manifest: Manifest,
  opts: AttestOptions,
): Promise<AttestedCoordinator> {
  const random = opts.random ?? ((n: number) => crypto.getRandomValues(new Uint8Array(n)));
  const nonce = random(32);
  const res = await withRetry(async () => {
    const r = await postJson(
      endpoint,
      "/v1/attest",
      { nonce: Buffer.from(nonce).toString("base64") },
      { trust: { kind: "unverified-until-attested" } },
    );
    if (r.status === 404) throw await explainNotFound(endpoint, "user", "/v1/attest");
    expectOk(r, "coordinator attest");
    return r;
  }, opts);
  const { phase, evidence, tlsPublicKey, manifests, signatures, policies, rootCA, meshCA, version } =
    parseAnswer(res.body);
  const connectionSpki = spkiOfCert(res.peerCertDer);
  if (!constantTimeEqual(connectionSpki, tlsPublicKey)) {
    throw new VerificationError(
      "tls_key_mismatch",
      "tlsPublicKey: differs from the key of the TLS connection",
    );
  }
  const latestTransition = chainTransitionHashes(manifests);
  const reportData = attestReportData({ nonce, tlsSpki: connectionSpki, latestTransition, rootCA, meshCA });
  const verified = await opts.verifier.verify(evidence, manifest.ReferenceValues, reportData);
  const policy = toHex(verified.hostData);
  if (manifest.Policies[policy]?.Role !== "coordinator") {
    throw new PolicyError(
      "coordinator_policy_mismatch",
      `coordinator policy: expected a Role "coordinator" entry of the manifest, got ${policy}`,
    );
  }
  opts.log.info("coordinator attested", { policy, matched: verified.matched, manifests: manifests.length });
  return {
    certDer: res.peerCertDer,
    version,
    phase,
    manifests,
    signatures,
    policies,
    latestTransition,
    rootCA,
    meshCA,
    coordinatorPolicy: policy,
  };
}

/** The attest answer's shape; a malformed one is the Coordinator's fault: UnavailableError bad_response (exit 6). */
function parseAnswer(v: unknown): AttestResponseBody {
  try {
    return parseAttestResponse(v);
  } catch (e) {
    if (e instanceof ApiError)
      throw new UnavailableError(
        "bad_response",
        `the coordinator's attest answer is malformed: ${e.message}`,
      );
    throw e;
  }
}

/**
 * Retries what a starting Coordinator causes (connection refused or reset, 503; `isTransientFailure`) with a capped
 * backoff, showing progress on stderr. Anything else, a wrong address above all, fails at once.
 */
export async function withRetry(
  call: () => Promise<JsonResponse>,
  opts: Pick<AttestOptions, "retryForMs" | "sleep">,
): Promise<JsonResponse> {
  const sleep = opts.sleep ?? ((ms: number) => Bun.sleep(ms));
  const deadline = Date.now() + (opts.retryForMs ?? 180_000);
  let delay = 500;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (e) {
      if (!isTransientFailure(e) || Date.now() + delay > deadline) throw e;
      process.stderr.write(
        `waiting for the coordinator (attempt ${attempt}, next in ${delay / 1000} s): ${(e as Error).message}\n`,
      );
      await sleep(delay);
      delay = Math.min(delay * 2, 5000);
    }
  }
}
