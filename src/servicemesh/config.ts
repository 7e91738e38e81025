// The one reader of the service mesh sidecar's flags and environment: a frozen config built at start.

import { parseDuration } from "../common/duration.ts";
import { UsageError } from "../common/errors.ts";
import { type LogLevel, readLogLevel } from "../common/log.ts";
import {
  ENV_MESH_ADMIN_PORT,
  ENV_MESH_EGRESS,
  ENV_MESH_INGRESS,
  type MeshSettings,
  parseMeshPort,
  parseMeshSettings,
} from "../kube/service-mesh-config.ts";

/** `auto` applies the inbound rules when the process holds CAP_NET_ADMIN; `off` never touches netfilter. */
export type RedirectMode = "auto" | "on" | "off";

export interface ServiceMeshConfig {
  readonly mesh: MeshSettings;
  /** Directory with the Initializer's mesh-ca.pem, certChain.pem and key.pem. */
  readonly tlsDir: string;
  /** Written once listeners are up and the inbound rules are in place (the startup probe checks it). */
  readonly readyFile: string;
  readonly redirect: RedirectMode;
  /** First port tried for the per-app-port ingress listeners (they take the next free ones). */
  readonly ingressPortBase: number;
  readonly adminAddress: string;
  readonly maxConnections: number;
  readonly idleTimeoutMs: number;
  readonly handshakeTimeoutMs: number;
  readonly drainTimeoutMs: number;
  readonly reloadIntervalMs: number;
  readonly discoveryIntervalMs: number;
  readonly logLevel: LogLevel;
}

export interface ServiceMeshFlags {
  tlsDir?: string;
  readyFile?: string;
  redirect?: string;
  ingressPortBase?: string | number;
  adminPort?: string | number;
  maxConnections?: string | number;
  idleTimeout?: string | number;
  handshakeTimeout?: string | number;
  drainTimeout?: string | number;
  reloadInterval?: string | number;
  logLevel?: string;
}

export const MESH_DEFAULTS = Object.freeze({
  tlsDir: "/contrast/tls-config",
  readyFile: "/ready",
  ingressPortBase: 15100,
  maxConnections: 1024,
  idleTimeout: "1h",
  handshakeTimeout: "10s",
  drainTimeout: "25s",
  reloadInterval: "1s",
  discoveryInterval: "250ms",
});

function str(v: string | number | undefined): string | undefined {
  return v === undefined ? undefined : String(v);
}

function positive(text: string, field: string, max: number): number {
  const n = /^[1-9][0-9]{0,8}$/.test(text) ? Number(text) : 0;
  if (n < 1 || n > max) {
    throw new UsageError(
      "invalid_flag",
      `${field}: expected a whole number 1-${max}, got ${JSON.stringify(text)}`,
      {
        field,
      },
    );
  }
  return n;
}

/** Flags win over the environment, which wins over the defaults. */
export function readServiceMeshConfig(
  flags: ServiceMeshFlags,
  env: Readonly<Record<string, string | undefined>>,
): ServiceMeshConfig {
  const adminPort = str(flags.adminPort) ?? env[ENV_MESH_ADMIN_PORT];
  const mesh = parseMeshSettings(
    { ingress: env[ENV_MESH_INGRESS], egress: env[ENV_MESH_EGRESS], adminPort: adminPort || undefined },
    { ingress: ENV_MESH_INGRESS, egress: ENV_MESH_EGRESS, adminPort: ENV_MESH_ADMIN_PORT },
  );
  const redirect = flags.redirect ?? env.CONTRAST_MESH_REDIRECT ?? "auto";
  if (redirect !== "auto" && redirect !== "on" && redirect !== "off") {
    throw new UsageError(
      "invalid_flag",
      `--redirect: expected auto|on|off, got ${JSON.stringify(redirect)}`,
      {
        field: "redirect",
      },
    );
  }
  const logLevel = readLogLevel(flags.logLevel ?? env.CONTRAST_LOG_LEVEL ?? "info");
  const duration = (flag: string | number | undefined, name: string, def: string) =>
    parseDuration(str(flag) ?? def, name);
  return Object.freeze({
    mesh,
    tlsDir: flags.tlsDir ?? env.CONTRAST_TLS_DIR ?? MESH_DEFAULTS.tlsDir,
    readyFile: flags.readyFile ?? MESH_DEFAULTS.readyFile,
    redirect,
    ingressPortBase: parseMeshPort(
      str(flags.ingressPortBase) ?? String(MESH_DEFAULTS.ingressPortBase),
      "--ingress-port-base",
    ),
    adminAddress: "0.0.0.0",
    maxConnections: positive(
      str(flags.maxConnections) ?? String(MESH_DEFAULTS.maxConnections),
      "--max-connections",
      1_000_000,
    ),
    idleTimeoutMs: duration(flags.idleTimeout, "--idle-timeout", MESH_DEFAULTS.idleTimeout),
    handshakeTimeoutMs: duration(
      flags.handshakeTimeout,
      "--handshake-timeout",
      MESH_DEFAULTS.handshakeTimeout,
    ),
    drainTimeoutMs: duration(flags.drainTimeout, "--drain-timeout", MESH_DEFAULTS.drainTimeout),
    reloadIntervalMs: duration(flags.reloadInterval, "--reload-interval", MESH_DEFAULTS.reloadInterval),
    discoveryIntervalMs: parseDuration(MESH_DEFAULTS.discoveryInterval, "discovery interval"),
    logLevel,
  });
}
