// The user API on port 1313 (docs/architecture.md, wire protocol): attest (also in recovery mode, with the stored history), set manifest, recover.

import { Hono } from "hono";
import {
  expectObject,
  parseAttestRequest,
  parseRecoverRequest,
  parseSetManifestRequest,
} from "../api/schema.ts";
import type { AttestResponse, SeedSharesResponse, SetManifestResponse } from "../api/types.ts";
import type { Issuer } from "../attestation/evidence.ts";
import { toBase64, toHex } from "../common/bytes.ts";
import type { Logger } from "../common/log.ts";
import { attestState } from "./attest-state.ts";
import { installCommon, readJson } from "./http.ts";
import type { CoordinatorMetrics } from "./metrics.ts";
import { warnIfSimulated } from "./sim-warning.ts";
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

export function createUserApi(deps: UserApiDeps): Hono {
  const app = new Hono();
  installCommon(app, deps);

  app.post("/v1/attest", async (c) => {
    const { nonce } = parseAttestRequest(await readJson(c));
    const snap = deps.state.snapshot();
    const attested = await attestState(deps, snap, nonce, "user");
    const res: AttestResponse = { ...attested, phase: snap.phase, policies: snap.policies.map(toBase64) };
    return c.json(res);
  });

  app.post("/v1/manifest", async (c) => {
    const { manifest, policies, previousTransition, signature } = parseSetManifestRequest(await readJson(c));
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
    warnIfSimulated(deps.log, deps.state.manifest, "manifest set");
    const res: SetManifestResponse = r;
    return c.json(res);
  });

  app.post("/v1/recover", async (c) => {
    const { seed, salt, latestTransition } = parseRecoverRequest(await readJson(c));
    await deps.state.recover(seed, salt, latestTransition);
    deps.metrics.manifestGeneration.set(deps.state.generation);
    deps.log.info("recovered", {
      generation: deps.state.generation,
      latest: toHex(deps.state.snapshot().latestTransition),
    });
    warnIfSimulated(deps.log, deps.state.manifest, "recovered");
    return c.json({});
  });

  // The seed-share document of the first set, encrypted to its owners, for a CLI whose reply to that set was lost
  // (issue 15 §2). Served in recovery too: recovering needs it. The client pins this connection after attesting.
  app.post("/v1/seed-shares", async (c) => {
    expectObject(await readJson(c), "body", []);
    const res: SeedSharesResponse = { seedShares: deps.state.seedShares() };
    return c.json(res);
  });

  return app;
}
