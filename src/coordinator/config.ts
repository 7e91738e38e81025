// The one reader of the Coordinator's flags and environment: builds a frozen config at start.

import { DEFAULT_HTTP_LIMITS, type HttpLimits } from "../api/http-server.ts";
import { type CollateralEndpoints, readCollateralEndpoints } from "../attestation/collateral-endpoints.ts";
import { checkSimFlags, parseTeeChoice, type TeeChoice } from "../attestation/select-issuer.ts";
import { fromHex } from "../common/bytes.ts";
import { parseDuration } from "../common/duration.ts";
import { readEnvSwitch } from "../common/env-switch.ts";
import { UsageError } from "../common/errors.ts";
import { type LogLevel, readLogLevel } from "../common/log.ts";

export interface CoordinatorConfig {
  readonly stateDir: string;
  readonly tee: TeeChoice;
  readonly simDir: string | undefined;
  readonly simHostData: Uint8Array | undefined;
  readonly userApiAddr: string;
  readonly meshApiAddr: string;
  readonly probeAddr: string;
  readonly logLevel: LogLevel;
  readonly cacheDir: string | undefined;
  /** KDS, sim KDS and PCS base URLs (CONTRAST_KDS_URL, CONTRAST_SIM_KDS_URL, CONTRAST_PCS_URL). */
  readonly collateral: CollateralEndpoints;
  /** Connection cap and timeouts of each listener (user API, mesh API, probes). */
  readonly limits: HttpLimits;
  /** CONTRAST_REMOVE_DEFAULT_DENY=true: lift the guest's default-deny rule at start (needs CAP_NET_ADMIN). */
  readonly removeDefaultDeny: boolean;
}

/**
 * Opt-in only: `contrast resources coordinator` sets it with NET_ADMIN. Never a default, since a Coordinator run as
 * root on a host (make demo-processes) must leave the host's firewall alone.
 */
export const ENV_REMOVE_DEFAULT_DENY = "CONTRAST_REMOVE_DEFAULT_DENY";

export interface CoordinatorFlags {
  stateDir?: string;
  tee?: string;
  simDir?: string;
  simHostData?: string;
  userApiAddr?: string;
  meshApiAddr?: string;
  probeAddr?: string;
  logLevel?: string;
  maxConnections?: string | number;
  headerTimeout?: string | number;
  bodyTimeout?: string | number;
  idleTimeout?: string | number;
}

/** Flags win over environment variables (CONTRAST_STATE_DIR, CONTRAST_TEE, …), which win over defaults. */
export function readCoordinatorConfig(
  flags: CoordinatorFlags,
  env: Record<string, string | undefined>,
): CoordinatorConfig {
  const pick = (flag: string | undefined, envName: string, def?: string) => flag ?? env[envName] ?? def;
  const tee = parseTeeChoice(pick(flags.tee, "CONTRAST_TEE", "auto")!);
  const simDir = pick(flags.simDir, "CONTRAST_SIM_DIR");
  const simHostDataHex = pick(flags.simHostData, "CONTRAST_SIM_HOST_DATA");
  checkSimFlags(tee, { "--sim-dir": simDir, "--sim-host-data": simHostDataHex }, ["--sim-dir"]);
  const simHostData =
    tee === "sim" ? fromHex(simHostDataHex ?? "00".repeat(32), "--sim-host-data", 32) : undefined;
  const level = readLogLevel(pick(flags.logLevel, "CONTRAST_LOG_LEVEL", "info")!);
  return Object.freeze({
    stateDir: pick(flags.stateDir, "CONTRAST_STATE_DIR", "/var/lib/contrast")!,
    tee,
    simDir,
    simHostData,
    userApiAddr: checkAddr(
      pick(flags.userApiAddr, "CONTRAST_USER_API_ADDR", "0.0.0.0:1313")!,
      "user-api-addr",
    ),
    meshApiAddr: checkAddr(
      pick(flags.meshApiAddr, "CONTRAST_MESH_API_ADDR", "0.0.0.0:7777")!,
      "mesh-api-addr",
    ),
    probeAddr: checkAddr(pick(flags.probeAddr, "CONTRAST_PROBE_ADDR", "0.0.0.0:9102")!, "probe-addr"),
    logLevel: level,
    cacheDir: env.CONTRAST_CACHE_DIR,
    collateral: readCollateralEndpoints(env),
    limits: readLimits(flags, env),
    removeDefaultDeny: readEnvSwitch(env, ENV_REMOVE_DEFAULT_DENY),
  });
}

/** Listener limits: flags, then CONTRAST_MAX_CONNECTIONS / _HEADER_TIMEOUT / _BODY_TIMEOUT / _IDLE_TIMEOUT. */
function readLimits(flags: CoordinatorFlags, env: Record<string, string | undefined>): HttpLimits {
  const text = (flag: string | number | undefined, envName: string) =>
    flag === undefined ? env[envName] : String(flag);
  const timeout = (flag: string | number | undefined, envName: string, name: string, def: number) => {
    const t = text(flag, envName);
    if (t === undefined) return def;
    const ms = parseDuration(t, name);
    if (ms < 1 || ms > 3_600_000)
      throw new UsageError("invalid_flag", `${name}: expected 1ms to 1h, got ${JSON.stringify(t)}`);
    return ms;
  };
  const cap = text(flags.maxConnections, "CONTRAST_MAX_CONNECTIONS");
  if (cap !== undefined && !(/^\d{1,7}$/.test(cap) && Number(cap) >= 1 && Number(cap) <= 1_000_000)) {
    throw new UsageError(
      "invalid_flag",
      `--max-connections: expected 1 to 1000000, got ${JSON.stringify(cap)}`,
      { field: "max-connections" },
    );
  }
  const d = DEFAULT_HTTP_LIMITS;
  return Object.freeze({
    ...d,
    maxConnections: cap === undefined ? d.maxConnections : Number(cap),
    headerTimeoutMs: timeout(
      flags.headerTimeout,
      "CONTRAST_HEADER_TIMEOUT",
      "--header-timeout",
      d.headerTimeoutMs,
    ),
    bodyTimeoutMs: timeout(flags.bodyTimeout, "CONTRAST_BODY_TIMEOUT", "--body-timeout", d.bodyTimeoutMs),
    idleTimeoutMs: timeout(flags.idleTimeout, "CONTRAST_IDLE_TIMEOUT", "--idle-timeout", d.idleTimeoutMs),
  });
}

/** "host:port" with port 0-65535 (0 = any free port, for tests). */
export function checkAddr(addr: string, field: string): string {
  const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(addr);
  if (!m || Number(m[2]) > 65535) {
    throw new UsageError("invalid_flag", `--${field}: expected host:port, got ${JSON.stringify(addr)}`, {
      field,
    });
  }
  return addr;
}

export function splitAddr(addr: string): { hostname: string; port: number } {
  const i = addr.lastIndexOf(":");
  return { hostname: addr.slice(0, i).replace(/^\[|\]$/g, ""), port: Number(addr.slice(i + 1)) };
}
