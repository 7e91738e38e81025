// Shared pieces of `set`, `verify` and `recover`: flags, manifest reading, workspace paths.

import { existsSync, readFileSync } from "node:fs";
import { COORDINATOR_API_PORTS, parseEndpoint } from "../api/endpoint.ts";
import { type CliContext, createCliContext } from "../command/command.ts";
import { ConfigError, UsageError } from "../common/errors.ts";
import { isSimulated } from "../manifest/is-simulated.ts";
import { parseManifest } from "../manifest/parse-manifest.ts";
import type { Manifest } from "../manifest/schema.ts";
import { SIM_MANIFEST_WARNING } from "./cli-verifier.ts";
import { workspacePath as prefixedPath } from "./workspace.ts";

export interface UserFlags {
  coordinator?: unknown;
  manifest?: unknown;
  workspaceDir?: unknown;
  logLevel?: unknown;
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

export function loadManifestFile(path: string, ctx: CliContext, requireComplete: boolean): LoadedManifest {
  if (!existsSync(path)) throw new ConfigError("file_not_found", `${path}: no such manifest file`);
  const raw = new Uint8Array(readFileSync(path));
  const { manifest } = parseManifest(raw, { requireComplete });
  if (isSimulated(manifest)) process.stderr.write(`${SIM_MANIFEST_WARNING}\n`);
  ctx.log.debug("manifest loaded", { path, policies: Object.keys(manifest.Policies).length });
  return { path, raw, manifest };
}

export function contextFor(flags: UserFlags): CliContext {
  return createCliContext(flags.logLevel, process.env);
}

export function readTextFile(path: string, what: string): string {
  if (!existsSync(path)) throw new ConfigError("file_not_found", `${what}: no such file ${path}`);
  return readFileSync(path, "utf8");
}
