// The one reader of the Initializer's flags and environment.

import { fromHex } from "../common/bytes.ts";
import { ConfigError } from "../common/errors.ts";

export interface InitializerConfig {
  /** host:port of the Coordinator's mesh API. */
  readonly coordinator: string;
  readonly tee: "auto" | "snp" | "tdx" | "sim";
  readonly simDir: string | undefined;
  readonly simHostData: Uint8Array | undefined;
  readonly outDir: string;
  /** undefined = retry forever, as an init container should. */
  readonly timeoutMs: number | undefined;
  readonly logLevel: "debug" | "info" | "warn" | "error";
}

export interface InitializerFlags {
  tee?: string;
  simDir?: string;
  simHostData?: string;
  outDir?: string;
  timeout?: string | number;
  logLevel?: string;
}

const DEFAULT_MESH_PORT = 7777;

export function readInitializerConfig(
  flags: InitializerFlags,
  env: Record<string, string | undefined>,
): InitializerConfig {
  const host = env.COORDINATOR_HOST ?? "coordinator";
  const coordinator = /:\d+$/.test(host) && !/^[^[].*:.*:/.test(host) ? host : `${host}:${DEFAULT_MESH_PORT}`;
  const tee = flags.tee ?? env.CONTRAST_TEE ?? "auto";
  if (!["auto", "snp", "tdx", "sim"].includes(tee)) {
    throw new ConfigError("invalid_flag", `--tee: expected auto|snp|tdx|sim, got ${JSON.stringify(tee)}`);
  }
  const simDir = flags.simDir ?? env.CONTRAST_SIM_DIR;
  const simHex = flags.simHostData ?? env.CONTRAST_SIM_HOST_DATA;
  if (tee === "sim" && (!simDir || !simHex)) {
    throw new ConfigError("invalid_flag", "--sim-dir and --sim-host-data: both required with --tee sim");
  }
  if (tee !== "sim" && (simDir || simHex))
    throw new ConfigError("invalid_flag", "--sim-dir/--sim-host-data: only with --tee sim");
  let timeoutMs: number | undefined;
  if (flags.timeout !== undefined) {
    const s = String(flags.timeout);
    const m = /^(\d+)(ms|s|m)?$/.exec(s);
    if (!m)
      throw new ConfigError(
        "invalid_flag",
        `--timeout: expected a duration like 30s, 2m or 500ms, got ${JSON.stringify(s)}`,
      );
    timeoutMs = Number(m[1]) * (m[2] === "ms" ? 1 : m[2] === "m" ? 60_000 : 1000);
  }
  const level = flags.logLevel ?? env.CONTRAST_LOG_LEVEL ?? "info";
  if (!["debug", "info", "warn", "error"].includes(level)) {
    throw new ConfigError(
      "invalid_flag",
      `--log-level: expected debug|info|warn|error, got ${JSON.stringify(level)}`,
    );
  }
  return Object.freeze({
    coordinator,
    tee: tee as InitializerConfig["tee"],
    simDir,
    simHostData: simHex ? fromHex(simHex, "--sim-host-data", 32) : undefined,
    outDir: flags.outDir ?? env.CONTRAST_OUT_DIR ?? "/contrast",
    timeoutMs,
    logLevel: level as InitializerConfig["logLevel"],
  });
}
