// Starts the Coordinator: per-boot TLS key, issuer, state, and the three listeners (1313, 7777 over TLS; 9102 HTTP).
// With CONTRAST_REMOVE_DEFAULT_DENY=true (set by `contrast resources coordinator`, never a default: a Coordinator
// run on a host as root must not touch the host's firewall) it first lifts the guest's default-deny rule, which
// would otherwise keep its pod unreachable inbound.

import { X509Certificate } from "node:crypto";
import { join } from "node:path";
import { serveHttp } from "../api/http-server.ts";
import type { Issuer } from "../attestation/evidence.ts";
import { selectIssuer } from "../attestation/select-issuer.ts";
import type { Logger } from "../common/log.ts";
import { createSelfSignedServerCert } from "../crypto/ca.ts";
import { exportEcPrivateKeyPkcs8Pem, generateEcKeyPair } from "../crypto/keys.ts";
import { defaultRandom, type RandomSource } from "../crypto/random.ts";
import type { EvidenceVerifier } from "../manifest/verify-evidence.ts";
import { type LiftDefaultDenyDeps, liftDefaultDeny } from "../netfilter/default-deny.ts";
import { type CoordinatorConfig, ENV_REMOVE_DEFAULT_DENY, splitAddr } from "./config.ts";
import { createHistoryStore } from "./history/history-store.ts";
import { createMeshApi } from "./mesh-api.ts";
import { createMetrics } from "./metrics.ts";
import { NonceStore } from "./nonce-store.ts";
import { createProbeApi } from "./probe-api.ts";
import { warnIfSimulated } from "./sim-warning.ts";
import { CoordinatorState } from "./state.ts";
import { createUserApi } from "./user-api.ts";

export interface CoordinatorDeps {
  log: Logger;
  verifier: EvidenceVerifier;
  version: string;
  issuer?: Issuer;
  now?: () => Date;
  random?: RandomSource;
  /** iptables runner and capability check for the default-deny removal (tests record the sequence). */
  netfilter?: LiftDefaultDenyDeps;
}

export interface RunningCoordinator {
  readonly userApi: string;
  readonly meshApi: string;
  readonly probe: string;
  readonly state: CoordinatorState;
  /** PEM of this boot's TLS certificate (tests pin it). */
  readonly tlsCertPem: string;
  stop(): Promise<void>;
}

export async function startCoordinator(
  config: CoordinatorConfig,
  deps: CoordinatorDeps,
): Promise<RunningCoordinator> {
  if (config.removeDefaultDeny) {
    const removed = await liftDefaultDeny(`${ENV_REMOVE_DEFAULT_DENY}=true`, deps.netfilter);
    deps.log.info("default-deny rule removed", { removed });
  }
  const now = deps.now ?? (() => new Date());
  const random = deps.random ?? defaultRandom;
  const issuer =
    deps.issuer ??
    (await selectIssuer(
      config.tee,
      config.simDir === undefined ? undefined : { dir: config.simDir, hostData: () => config.simHostData! },
    ));
  const tlsKey = await generateEcKeyPair("P-256");
  const certPem = await createSelfSignedServerCert(
    tlsKey,
    { now: now(), random },
    { commonName: "contrast-coordinator" },
  );
  const keyPem = await exportEcPrivateKeyPkcs8Pem(tlsKey);
  const tlsSpki = new Uint8Array(
    new X509Certificate(certPem).publicKey.export({ type: "spki", format: "der" }),
  );

  const store = createHistoryStore(join(config.stateDir, "history"));
  const state = await CoordinatorState.open({ store, stateDir: config.stateDir, now, random, log: deps.log });
  if (state.swept.removed.length > 0)
    deps.log.warn("removed what an interrupted write left in the state dir", { files: state.swept.removed });
  if (state.swept.kept.length > 0)
    deps.log.warn("could not remove what an interrupted write left in the state dir", {
      files: state.swept.kept,
    });
  warnIfSimulated(deps.log, state.manifest, "start");
  const metrics = createMetrics();
  const log = deps.log;
  const userApp = createUserApi({ state, issuer, tlsSpki, metrics, log, version: deps.version });
  const nonces = new NonceStore({ random });
  const meshApp = createMeshApi({
    state,
    verifier: deps.verifier,
    nonces,
    metrics,
    log,
    now,
    random,
    issuer,
    tlsSpki,
    version: deps.version,
  });
  let started = false;
  const probeApp = createProbeApi({ state, metrics, started: () => started });

  const tls = { key: keyPem, cert: certPem };
  const serve = (
    listener: string,
    addr: string,
    fetch: (r: Request) => Response | Promise<Response>,
    withTls: boolean,
  ) => {
    const { hostname, port } = splitAddr(addr);
    return serveHttp({
      hostname,
      port,
      fetch,
      limits: config.limits,
      ...(withTls ? { tls } : {}),
      onEvent: (event) => metrics.connections.inc({ listener, event }),
    });
  };
  const servers = await Promise.all([
    serve("user", config.userApiAddr, userApp.fetch, true),
    serve("mesh", config.meshApiAddr, meshApp.fetch, true),
    serve("probe", config.probeAddr, probeApp.fetch, false),
  ]);
  started = true;
  metrics.manifestGeneration.set(state.generation);
  const addr = (i: number) => `${servers[i]!.hostname}:${servers[i]!.port}`;
  log.info("coordinator started", {
    phase: state.phase,
    tee: issuer.description,
    userApi: addr(0),
    meshApi: addr(1),
    probe: addr(2),
  });
  return {
    userApi: addr(0),
    meshApi: addr(1),
    probe: addr(2),
    state,
    tlsCertPem: certPem,
    async stop() {
      await Promise.all(servers.map((s) => s.stop()));
    },
  };
}
