// The one reader of the Initializer's flags and environment.

import { tmpdir } from "node:os";
import { join } from "node:path";
import { COORDINATOR_API_PORTS, parseEndpoint } from "../api/endpoint.ts";
import { type CollateralEndpoints, readCollateralEndpoints } from "../attestation/collateral-endpoints.ts";
import { UsageError } from "../common/errors.ts";

/**
 * Where a guest keeps the pod's initdata document: the Kata agent writes the TOML it read from the initdata block
 * device to the first path (policy.md §1.2); Contrast's initdata-processor reads the device itself, the second path
 * (§5.6). The Initializer takes the first that exists; its bytes are trusted only once their SHA-256 equals the
 * HOST_DATA of the pod's own report, so where they come from does not matter.
 */
export const DEFAULT_INITDATA_PATHS = Object.freeze([
  "/run/confidential-containers/initdata/initdata.toml",
  "/dev/disk/by-id/virtio-initdata",
]);

export interface InitializerConfig {
  /** host:port of the Coordinator's mesh API. */
  readonly coordinator: string;
  readonly tee: "auto" | "snp" | "tdx" | "sim";
  readonly simDir: string | undefined;
  /** With the sim TEE: the pod's initdata document; the simulated launch binds its SHA-256 as HOST_DATA. */
  readonly simInitdata: string | undefined;
  /** On hardware: candidate locations of the pod's initdata document (TOML or initdata block-device image). */
  readonly initdataPaths: readonly string[];
  readonly outDir: string;
  /** Collateral cache (VCEK, CRLs, TCB info) for verifying the Coordinator's report. */
  readonly cacheDir: string;
  /** KDS/PCS base URLs (CONTRAST_KDS_URL, …): where CRLs and certificates for the Coordinator's evidence come from. */
  readonly collateral: CollateralEndpoints;
  /** undefined = retry forever, as an init container should. */
  readonly timeoutMs: number | undefined;
  readonly logLevel: "debug" | "info" | "warn" | "error";
}

export interface InitializerFlags {
  tee?: string;
  simDir?: string;
  simInitdata?: string;
  initdataPath?: string;
  outDir?: string;
  timeout?: string | number;
  logLevel?: string;
}

export function readInitializerConfig(
  flags: InitializerFlags,
  env: Record<string, string | undefined>,
): InitializerConfig {
  // The mesh API's port when none is given; a malformed address fails at start, it would never connect.
  const coordinator = parseEndpoint(
    env.COORDINATOR_HOST ?? "coordinator",
    COORDINATOR_API_PORTS.mesh,
    "COORDINATOR_HOST",
  ).text;
  const tee = flags.tee ?? env.CONTRAST_TEE ?? "auto";
  if (!["auto", "snp", "tdx", "sim"].includes(tee)) {
    throw new UsageError("invalid_flag", `--tee: expected auto|snp|tdx|sim, got ${JSON.stringify(tee)}`);
  }
  const simDir = flags.simDir ?? env.CONTRAST_SIM_DIR;
  const simInitdata = flags.simInitdata ?? env.CONTRAST_SIM_INITDATA;
  if (tee === "sim" && (!simDir || !simInitdata)) {
    throw new UsageError("invalid_flag", "--sim-dir and --sim-initdata: both required with --tee sim");
  }
  if (tee !== "sim" && (simDir || simInitdata))
    throw new UsageError("invalid_flag", "--sim-dir/--sim-initdata: only with --tee sim");
  const initdataPath = flags.initdataPath ?? env.CONTRAST_INITDATA_PATH;
  if (tee === "sim" && initdataPath !== undefined)
    throw new UsageError("invalid_flag", "--initdata-path: not with --tee sim (use --sim-initdata)");
  let timeoutMs: number | undefined;
  if (flags.timeout !== undefined) {
    const s = String(flags.timeout);
    const m = /^(\d+)(ms|s|m)?$/.exec(s);
    if (!m)
      throw new UsageError(
        "invalid_flag",
        `--timeout: expected a duration like 30s, 2m or 500ms, got ${JSON.stringify(s)}`,
      );
    timeoutMs = Number(m[1]) * (m[2] === "ms" ? 1 : m[2] === "m" ? 60_000 : 1000);
  }
  const level = flags.logLevel ?? env.CONTRAST_LOG_LEVEL ?? "info";
  if (!["debug", "info", "warn", "error"].includes(level)) {
    throw new UsageError(
      "invalid_flag",
      `--log-level: expected debug|info|warn|error, got ${JSON.stringify(level)}`,
    );
  }
  return Object.freeze({
    coordinator,
    tee: tee as InitializerConfig["tee"],
    simDir,
    simInitdata,
    initdataPaths: Object.freeze(initdataPath === undefined ? [...DEFAULT_INITDATA_PATHS] : [initdataPath]),
    outDir: flags.outDir ?? env.CONTRAST_OUT_DIR ?? "/contrast",
    cacheDir: env.CONTRAST_CACHE_DIR ?? join(tmpdir(), "contrast-collateral"),
    collateral: readCollateralEndpoints(env),
    timeoutMs,
    logLevel: level as InitializerConfig["logLevel"],
  });
}
