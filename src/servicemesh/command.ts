// `contrast service-mesh`: the sidecar that carries a workload's TCP over mTLS; `check-ready` is its startup probe.

import { existsSync } from "node:fs";
import type { CAC } from "cac";
import { runAction } from "../command/command.ts";
import { EXIT, UsageError } from "../common/errors.ts";
import { MESH_DEFAULTS, readServiceMeshConfig, type ServiceMeshFlags } from "./config.ts";
import { run, shutdownOnSignal } from "./run.ts";

export function registerServiceMesh(cli: CAC): void {
  cli
    .command(
      "service-mesh [action]",
      "run the service mesh sidecar (env CONTRAST_INGRESS_PROXY_CONFIG, CONTRAST_EGRESS_PROXY_CONFIG); action check-ready exits 0 once it is ready",
    )
    .example("  CONTRAST_EGRESS_PROXY_CONFIG='db#127.137.0.1:5432#db:5432' contrast service-mesh")
    .example("  contrast service-mesh check-ready")
    .option(
      "--tls-dir <dir>",
      `the Initializer's tls-config directory (env CONTRAST_TLS_DIR, default ${MESH_DEFAULTS.tlsDir})`,
    )
    .option(
      "--ready-file <path>",
      `written once listeners and rules are up (default ${MESH_DEFAULTS.readyFile})`,
    )
    .option("--redirect <mode>", "auto|on|off: apply the inbound rules (auto: when CAP_NET_ADMIN is held)")
    .option(
      "--admin-port <port>",
      "serve /healthz, /ready and /metrics on 0.0.0.0:PORT (env CONTRAST_ADMIN_PORT)",
    )
    .option(
      "--ingress-port-base <port>",
      `first port of the per-app-port proxy listeners (default ${MESH_DEFAULTS.ingressPortBase})`,
    )
    .option(
      "--max-connections <n>",
      `open connections per listener (default ${MESH_DEFAULTS.maxConnections})`,
    )
    .option(
      "--idle-timeout <duration>",
      `close a connection idle this long (default ${MESH_DEFAULTS.idleTimeout})`,
    )
    .option(
      "--handshake-timeout <duration>",
      `TLS handshake deadline (default ${MESH_DEFAULTS.handshakeTimeout})`,
    )
    .option(
      "--drain-timeout <duration>",
      `on SIGTERM, wait this long for open connections (default ${MESH_DEFAULTS.drainTimeout})`,
    )
    .option(
      "--reload-interval <duration>",
      `check the credential files this often (default ${MESH_DEFAULTS.reloadInterval})`,
    )
    .action((action: string | undefined, flags: ServiceMeshFlags) =>
      runAction(async () => {
        if (action !== undefined && action !== "check-ready") {
          throw new UsageError(
            "invalid_argument",
            `action: expected check-ready or none, got ${JSON.stringify(action)}`,
          );
        }
        const config = readServiceMeshConfig(flags, process.env);
        if (action === "check-ready") return existsSync(config.readyFile) ? EXIT.ok : EXIT.unavailable;
        await shutdownOnSignal(await run(config));
        return EXIT.ok;
      }),
    );
}
