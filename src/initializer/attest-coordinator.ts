// Attests the Coordinator for an Initializer (issue 10 §1) before anything it says is used: `POST /v1/mesh/attest`
// over a connection whose certificate is read unverified, then accepted only if
//   1. the claimed TLS key is this connection's key,
//   2. the history chains to the transition hash the report binds,
//   3. its first manifest is signed by a deployment key pinned in this pod's initdata, each later one by an owner of
//      the manifest before it (so it is this deployment's history, not someone else's genuine Coordinator),
//   4. the report verifies against the newest manifest's reference values (owner-authorised by 3),
//   5. the report's policy digest is a Coordinator policy pinned in this pod's initdata.
// The caller then pins the connection's certificate for the certificate request.

import { expectOk, postJson, spkiOfCert } from "../api/client.ts";
import { ApiError } from "../api/errors.ts";
import { meshAttestReportData } from "../api/report-data.ts";
import { type AttestedStateBody, parseMeshAttestResponse } from "../api/schema.ts";
import { explainNotFound } from "../api/wrong-port.ts";
import { constantTimeEqual, fromHex, toBase64, toHex } from "../common/bytes.ts";
import { PolicyError, VerificationError } from "../common/errors.ts";
import type { Logger } from "../common/log.ts";
import type { RandomSource } from "../crypto/random.ts";
import { isSimulated } from "../manifest/is-simulated.ts";
import { verifyOwnerChain } from "../manifest/owner-chain.ts";
import type { Manifest } from "../manifest/schema.ts";
import type { EvidenceVerifier } from "../manifest/verify-evidence.ts";
import type { CoordinatorPin } from "../policy/coordinator-pin.ts";

export interface PodAttestedCoordinator {
  /** DER of the TLS certificate whose key the verified report binds: the only trust anchor from here on. */
  readonly certDer: Uint8Array;
  readonly newest: Manifest;
  readonly rootCA: string;
  readonly meshCA: string;
  readonly coordinatorPolicy: string;
  readonly manifests: number;
}

export interface PodAttestDeps {
  readonly verifier: EvidenceVerifier;
  readonly random: RandomSource;
  readonly log: Logger;
}

export async function attestCoordinatorForPod(
  endpoint: string,
  pin: CoordinatorPin,
  deps: PodAttestDeps,
): Promise<PodAttestedCoordinator> {
  const nonce = deps.random(32);
  const trust = { kind: "unverified-until-attested" } as const; // everything below is checked before use
  const res = await postJson(endpoint, "/v1/mesh/attest", { nonce: toBase64(nonce) }, { trust });
  if (res.status === 404) throw await explainNotFound(endpoint, "mesh", "/v1/mesh/attest");
  const body = parseBody(expectOk(res, "coordinator attestation"));
  const connectionSpki = spkiOfCert(res.peerCertDer);
  if (!constantTimeEqual(connectionSpki, body.tlsPublicKey)) {
    throw new VerificationError(
      "tls_key_mismatch",
      "tlsPublicKey: expected the key of this TLS connection, got another",
    );
  }
  const deploymentKeys = pin.deploymentKeys.map((k, i) => fromHex(k, `deploymentKeys[${i}]`));
  const chain = await verifyOwnerChain(body.manifests, body.signatures, deploymentKeys);
  const newest = chain.manifests[chain.manifests.length - 1]!;
  const reportData = meshAttestReportData({
    nonce,
    tlsSpki: connectionSpki,
    latestTransition: chain.latestTransition,
    rootCA: body.rootCA,
    meshCA: body.meshCA,
  });
  const verified = await deps.verifier.verify(body.evidence, newest.ReferenceValues, reportData);
  const policy = verified.hostData;
  if (!pin.coordinatorPolicies.some((p) => constantTimeEqual(fromHex(p, "coordinatorPolicies"), policy))) {
    throw new PolicyError(
      "coordinator_policy_not_pinned",
      `coordinator policy: expected one pinned in this pod's initdata (${pin.coordinatorPolicies.join(", ")}), got ${toHex(policy)}`,
    );
  }
  if (isSimulated(newest))
    deps.log.warn("the coordinator's manifest trusts a simulated TEE (SimulatedARK): for development only");
  deps.log.info("coordinator attested", { policy: toHex(policy), manifests: body.manifests.length });
  return {
    certDer: res.peerCertDer,
    newest,
    rootCA: body.rootCA,
    meshCA: body.meshCA,
    coordinatorPolicy: toHex(policy),
    manifests: body.manifests.length,
  };
}

/** Shape checks of the answer; a malformed answer is a verification failure (nothing in it can be trusted). */
function parseBody(b: Record<string, unknown>): AttestedStateBody {
  try {
    return parseMeshAttestResponse(b);
  } catch (e) {
    if (e instanceof ApiError) throw new VerificationError("coordinator_response_invalid", e.message);
    throw e;
  }
}
