// Entry of the `service-mesh` sidecar: credentials → egress listeners → admin → inbound rules → ready file.
//
// The ready file (startup probe) is written only after every listener is up and, when redirection is on, after
// our rules are in place and the pod's default-deny rule is gone. SIGTERM stops accepting everywhere and drains.

import { rmSync } from "node:fs";
import { writeFileAtomic } from "../common/atomic-file.ts";
import { ConfigError, UnavailableError } from "../common/errors.ts";
import { createLogger, type Logger } from "../common/log.ts";
import { hasNetAdmin, ipv6Enabled } from "../netfilter/capability.ts";
import { createAdminApi } from "./admin.ts";
import type { ServiceMeshConfig } from "./config.ts";
import { startEgress } from "./egress.ts";
import { Inbound } from "./inbound.ts";
import type { RunningListener } from "./listen.ts";
import { type ListeningPorts, readListeningPorts } from "./listen-ports.ts";
import { createMeshMetrics, type MeshMetrics } from "./metrics.ts";
import { Netfilter } from "./netfilter.ts";
import { TlsStore } from "./tls-material.ts";

export interface ServiceMeshDeps {
  readonly log?: Logger;
  readonly netfilter?: Netfilter;
  readonly hasNetAdmin?: () => boolean;
  readonly readPorts?: () => ListeningPorts;
}

export interface RunningServiceMesh {
  readonly egress: readonly RunningListener[];
  readonly inbound: Inbound | undefined;
  readonly adminPort: number | undefined;
  readonly metrics: MeshMetrics;
  readonly credentials: TlsStore;
  /** Stops accepting, drains open connections up to the config's deadline; returns how many were cut. */
  shutdown(): Promise<number>;
}

function redirectEnabled(config: ServiceMeshConfig, netAdmin: boolean, log: Logger): boolean {
  if (config.redirect === "off") return false;
  if (netAdmin) return true;
  if (config.redirect === "on") {
    throw new ConfigError("net_admin_missing", "--redirect on: expected CAP_NET_ADMIN, got none");
  }
  log.warn("no CAP_NET_ADMIN: inbound redirection not applied, the pod's inbound rules are left as they are");
  return false;
}

function serveAdmin(config: ServiceMeshConfig, metrics: MeshMetrics, ready: () => boolean) {
  const port = config.mesh.adminPort;
  if (port === undefined) return undefined;
  try {
    return Bun.serve({
      hostname: config.adminAddress,
      port,
      fetch: createAdminApi({ metrics, ready }).fetch,
    });
  } catch (e) {
    throw new UnavailableError(
      "listen_failed",
      `admin port ${port}: expected a free port, got ${String(e)}`,
      {
        cause: e,
      },
    );
  }
}

export async function run(
  config: ServiceMeshConfig,
  deps: ServiceMeshDeps = {},
): Promise<RunningServiceMesh> {
  const log =
    deps.log ?? createLogger({ level: config.logLevel, format: "json" }, { component: "service-mesh" });
  rmSync(config.readyFile, { force: true });
  const credentials = await TlsStore.wait(config.tlsDir, 500, log);
  credentials.start(config.reloadIntervalMs);
  const metrics = createMeshMetrics();
  const listener = {
    maxConnections: config.maxConnections,
    idleTimeoutMs: config.idleTimeoutMs,
    metrics,
    log,
  };
  const egress: RunningListener[] = [];
  let ready = false;
  let admin: ReturnType<typeof serveAdmin>;
  let inbound: Inbound | undefined;
  const stop = async (drainMs: number) => {
    credentials.stop();
    const cut = await Promise.all([...egress, ...(inbound ? [inbound] : [])].map((l) => l.close(drainMs)));
    admin?.stop(true);
    return cut.reduce((a, b) => a + b, 0);
  };
  try {
    for (const entry of config.mesh.egress) {
      const handshakeTimeoutMs = config.handshakeTimeoutMs;
      egress.push(
        await startEgress({
          ...listener,
          name: entry.name,
          entry,
          handshakeTimeoutMs,
          credentials: () => credentials.current,
        }),
      );
    }
    admin = serveAdmin(config, metrics, () => ready);
    if (redirectEnabled(config, (deps.hasNetAdmin ?? hasNetAdmin)(), log)) {
      const v6 = ipv6Enabled();
      inbound = new Inbound({
        mesh: config.mesh,
        portBase: config.ingressPortBase,
        listenHost: v6 ? "::" : "0.0.0.0",
        listener,
        handshakeTimeoutMs: config.handshakeTimeoutMs,
        credentials,
        netfilter: deps.netfilter ?? new Netfilter(v6 ? ["ipv4", "ipv6"] : ["ipv4"]),
        readPorts: deps.readPorts ?? (() => readListeningPorts()),
        log,
      });
      await inbound.start();
      inbound.startPolling(config.discoveryIntervalMs);
    }
    writeFileAtomic(config.readyFile, "ready\n", { mkdirs: true });
    ready = true;
  } catch (e) {
    await stop(0);
    throw e;
  }
  log.info("service mesh ready", {
    egress: egress.length,
    redirect: inbound !== undefined,
    readyFile: config.readyFile,
  });
  return {
    egress,
    inbound,
    adminPort: admin?.port,
    metrics,
    credentials,
    shutdown: async () => {
      ready = false;
      rmSync(config.readyFile, { force: true });
      const cut = await stop(config.drainTimeoutMs);
      log.info("service mesh stopped", { aborted: cut });
      return cut;
    },
  };
}

/** Resolves on the first SIGTERM or SIGINT, after the mesh drained. */
export function shutdownOnSignal(mesh: RunningServiceMesh): Promise<number> {
  return new Promise((resolve) => {
    const stop = () => void mesh.shutdown().then(resolve);
    process.once("SIGTERM", stop);
    process.once("SIGINT", stop);
  });
}
