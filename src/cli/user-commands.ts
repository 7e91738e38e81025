// Shared pieces of `set`, `verify`, `recover` and `seed-shares`: the config every one reads from its flags, the
// dependencies every one takes (so tests run them in-process), manifest reading, workspace paths.

import { existsSync, readFileSync } from "node:fs";
import type { Command } from "cac";
import { COORDINATOR_API_PORTS, parseEndpoint } from "../api/endpoint.ts";
import { createCliContext } from "../command/command.ts";
import { ConfigError, UsageError } from "../common/errors.ts";
import type { Logger } from "../common/log.ts";
import { isSimulated } from "../manifest/is-simulated.ts";
import { parseManifest } from "../manifest/parse-manifest.ts";
import type { Manifest } from "../manifest/schema.ts";
import type { EvidenceVerifier } from "../manifest/verify-evidence.ts";
import { createCliVerifier, SIM_MANIFEST_WARNING } from "./cli-verifier.ts";
import { workspacePath as prefixedPath, WORKSPACE_FILES } from "./workspace.ts";

export interface UserFlags {
  coordinator?: unknown;
  manifest?: unknown;
  workspaceDir?: unknown;
  logLevel?: unknown;
}

/**
 * The options every user command declares alike: `-c` (the user API), `-m` (with what the manifest means to this
 * command), `--workspace-dir`, and `--json` for the commands that print one JSON object. Its own options follow.
 */
export function withUserOptions(cmd: Command, manifestHelp: string, json: boolean): Command {
  cmd
    .option(
      "-c, --coordinator <host:port>",
      `the Coordinator's user API (port ${COORDINATOR_API_PORTS.user} when none is given)`,
    )
    .option("-m, --manifest <file>", manifestHelp)
    .option("--workspace-dir <dir>", "prefix for defaulted file paths");
  return json ? cmd.option("--json", "print one JSON object to stdout, also on failure") : cmd;
}

/** `--workspace-dir` prefixes defaulted paths only; a path the user gave explicitly is used as given. */
export function workspacePath(flags: UserFlags, given: unknown, defaultName: string): string {
  const ws = typeof flags.workspaceDir === "string" ? flags.workspaceDir : undefined;
  return prefixedPath(ws, typeof given === "string" ? given : undefined, defaultName);
}

/** `-c HOST[:PORT]` as `host:port`; the port defaults to the user API's 1313. A malformed address is exit 2. */
export function requireEndpoint(flags: UserFlags): string {
  if (typeof flags.coordinator !== "string" || flags.coordinator === "") {
    throw new UsageError(
      "missing_argument",
      `-c/--coordinator: expected HOST[:PORT] of the Coordinator's user API (port ${COORDINATOR_API_PORTS.user} by default)`,
    );
  }
  return parseEndpoint(flags.coordinator, COORDINATOR_API_PORTS.user, "-c/--coordinator").text;
}

export interface LoadedManifest {
  path: string;
  raw: Uint8Array;
  manifest: Manifest;
}

export function loadManifestFile(
  path: string,
  deps: UserCommandDeps,
  requireComplete: boolean,
): LoadedManifest {
  if (!existsSync(path)) throw new ConfigError("file_not_found", `${path}: no such manifest file`);
  const raw = new Uint8Array(readFileSync(path));
  const { manifest } = parseManifest(raw, { requireComplete });
  if (isSimulated(manifest)) deps.stderr(`${SIM_MANIFEST_WARNING}\n`);
  deps.log.debug("manifest loaded", { path, policies: Object.keys(manifest.Policies).length });
  return { path, raw, manifest };
}

/** What every one of these commands is configured with: the Coordinator's user API and the workspace. */
export interface UserCommandConfig {
  /** `host:port` of the Coordinator's user API. */
  readonly endpoint: string;
  readonly manifestPath: string;
  /** The path of a workspace file by its default name (`--workspace-dir` prefixes it). */
  readonly workspaceFile: (name: string) => string;
}

export function readUserCommandConfig(flags: UserFlags): UserCommandConfig {
  return Object.freeze({
    endpoint: requireEndpoint(flags),
    manifestPath: workspacePath(flags, flags.manifest, WORKSPACE_FILES.manifest),
    workspaceFile: (name: string) => workspacePath(flags, undefined, name),
  });
}

/** The side of the world these commands touch besides files and the Coordinator: tests pass their own. */
export interface UserCommandDeps {
  /** Verifies the Coordinator's evidence (collateral from KDS/PCS, cached). */
  readonly verifier: EvidenceVerifier;
  readonly log: Logger;
  /** Diagnostics: warnings and where files went (stdout carries the command's output). */
  readonly stderr: (text: string) => void;
}

/** The dependencies of a real run: the CLI's verifier and logger, from `--log-level` and the environment. */
export function userCommandDeps(
  flags: UserFlags,
  env: Readonly<Record<string, string | undefined>>,
): UserCommandDeps {
  const ctx = createCliContext(flags.logLevel, env);
  return Object.freeze({
    verifier: createCliVerifier(env),
    log: ctx.log,
    stderr: (text: string) => void process.stderr.write(text),
  });
}

export function readTextFile(path: string, what: string): string {
  if (!existsSync(path)) throw new ConfigError("file_not_found", `${what}: no such file ${path}`);
  return readFileSync(path, "utf8");
}
