// The user API on port 1313 (DESIGN.md §4): attest, set manifest, recover.

import { Hono } from "hono";
import { attestReportData } from "../api/report-data.ts";
import { encodeEvidence, expectArray, expectBase64, expectHex, expectObject } from "../api/schema.ts";
import type { AttestResponse, SetManifestResponse } from "../api/types.ts";
import type { Issuer } from "../attestation/evidence.ts";
import { toBase64, toHex } from "../common/bytes.ts";
import type { Logger } from "../common/log.ts";
import { installCommon, readJson } from "./http.ts";
import type { CoordinatorMetrics } from "./metrics.ts";
import type { CoordinatorState } from "./state.ts";

export interface UserApiDeps {
  state: CoordinatorState;
  issuer: Issuer;
  /** DER SPKI of this boot's TLS key: bound into every attestation so clients can pin it. */
  tlsSpki: Uint8Array;
  metrics: CoordinatorMetrics;
  log: Logger;
  version: string;
}

const MAX_POLICIES = 10_000;
const MAX_DOC = 4 * 1024 * 1024;

export function createUserApi(deps: UserApiDeps): Hono {
  const app = new Hono();
  installCommon(app, deps);

  app.post("/v1/attest", async (c) => {
    const body = expectObject(await readJson(c), "body", ["nonce"]);
    const nonce = expectBase64(body.nonce, "nonce", { length: 32 });
    const snap = deps.state.snapshot();
    const reportData = attestReportData({
      nonce,
      tlsSpki: deps.tlsSpki,
      latestTransition: snap.latestTransition,
      rootCA: snap.rootCA,
      meshCA: snap.meshCA,
    });
    const evidence = await deps.issuer.issue(reportData);
    const res: AttestResponse = {
      version: deps.version,
      evidence: encodeEvidence(evidence),
      tlsPublicKey: toBase64(deps.tlsSpki),
      manifests: snap.manifests.map(toBase64),
      policies: snap.policies.map(toBase64),
      rootCA: snap.rootCA,
      meshCA: snap.meshCA,
    };
    return c.json(res);
  });

  app.post("/v1/manifest", async (c) => {
    const body = expectObject(await readJson(c), "body", [
      "manifest",
      "policies",
      "previousTransition",
      "signature",
    ]);
    const manifest = expectBase64(body.manifest, "manifest", { maxBytes: MAX_DOC });
    const policies = expectArray(body.policies, "policies", MAX_POLICIES).map((p, i) =>
      expectBase64(p, `policies[${i}]`, { maxBytes: MAX_DOC }),
    );
    const previousTransition = expectHex(body.previousTransition, "previousTransition", 32);
    const signature =
      body.signature === undefined ? undefined : expectBase64(body.signature, "signature", { maxBytes: 512 });
    const r = await deps.state.setManifest({
      manifest,
      policies,
      previousTransition,
      ...(signature ? { signature } : {}),
    });
    deps.metrics.manifestGeneration.set(deps.state.generation);
    deps.log.info("manifest set", {
      generation: deps.state.generation,
      firstSet: r.seedShares !== undefined,
    });
    const res: SetManifestResponse = r;
    return c.json(res);
  });

  app.post("/v1/recover", async (c) => {
    const body = expectObject(await readJson(c), "body", ["seed", "salt"]);
    const seed = expectBase64(body.seed, "seed", { maxBytes: 1024 });
    const salt = expectBase64(body.salt, "salt", { length: 32 });
    await deps.state.recover(seed, salt);
    deps.metrics.manifestGeneration.set(deps.state.generation);
    deps.log.info("recovered", {
      generation: deps.state.generation,
      latest: toHex(deps.state.snapshot().latestTransition),
    });
    return c.json({});
  });

  return app;
}
