// The one reader of the Initializer's flags and environment.

import { tmpdir } from "node:os";
import { join } from "node:path";
import { COORDINATOR_API_PORTS, parseEndpoint } from "../api/endpoint.ts";
import { type CollateralEndpoints, readCollateralEndpoints } from "../attestation/collateral-endpoints.ts";
import { checkSimFlags, parseTeeChoice, type TeeChoice } from "../attestation/select-issuer.ts";
import { parseDuration } from "../common/duration.ts";
import { readEnvSwitch } from "../common/env-switch.ts";
import { UsageError } from "../common/errors.ts";
import { type LogLevel, readLogLevel } from "../common/log.ts";

/**
 * Where a guest keeps the pod's initdata document: the Kata agent writes the TOML it read from the initdata block
 * device to the first path (Kata Containers src/libs/kata-types/src/initdata.rs); Contrast's initdata-processor reads the device itself, the second path
 * (edgelesssys/contrast initializer). The Initializer takes the first that exists; its bytes are trusted only once their SHA-256 equals the
 * HOST_DATA of the pod's own report, so where they come from does not matter.
 */
export const DEFAULT_INITDATA_PATHS = Object.freeze([
  "/run/confidential-containers/initdata/initdata.toml",
  "/dev/disk/by-id/virtio-initdata",
]);

export interface InitializerConfig {
  /** host:port of the Coordinator's mesh API. */
  readonly coordinator: string;
  readonly tee: TeeChoice;
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
  readonly logLevel: LogLevel;
  /**
   * CONTRAST_SERVICE_MESH_DISABLED=true (set by `generate` in pods without the mesh sidecar): remove the guest's
   * default-deny rule before contacting the Coordinator. Unset or `false`: never touch netfilter.
   */
  readonly removeDefaultDeny: boolean;
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

/** The env variable `generate` sets on Initializers of pods without the mesh sidecar. */
export const ENV_SERVICE_MESH_DISABLED = "CONTRAST_SERVICE_MESH_DISABLED";

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
  const tee = parseTeeChoice(flags.tee ?? env.CONTRAST_TEE ?? "auto");
  const simDir = flags.simDir ?? env.CONTRAST_SIM_DIR;
  const simInitdata = flags.simInitdata ?? env.CONTRAST_SIM_INITDATA;
  const simFlags = { "--sim-dir": simDir, "--sim-initdata": simInitdata };
  checkSimFlags(tee, simFlags, Object.keys(simFlags));
  const initdataPath = flags.initdataPath ?? env.CONTRAST_INITDATA_PATH;
  if (tee === "sim" && initdataPath !== undefined)
    throw new UsageError("invalid_flag", "--initdata-path: not with --tee sim (use --sim-initdata)");
  const timeoutMs =
    flags.timeout === undefined ? undefined : parseDuration(String(flags.timeout), "--timeout");
  const level = readLogLevel(flags.logLevel ?? env.CONTRAST_LOG_LEVEL ?? "info");
  return Object.freeze({
    coordinator,
    tee,
    simDir,
    simInitdata,
    initdataPaths: Object.freeze(initdataPath === undefined ? [...DEFAULT_INITDATA_PATHS] : [initdataPath]),
    outDir: flags.outDir ?? env.CONTRAST_OUT_DIR ?? "/contrast",
    cacheDir: env.CONTRAST_CACHE_DIR ?? join(tmpdir(), "contrast-collateral"),
    collateral: readCollateralEndpoints(env),
    timeoutMs,
    logLevel: level,
    removeDefaultDeny: readEnvSwitch(env, ENV_SERVICE_MESH_DISABLED),
  });
}
