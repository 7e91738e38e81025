// What `contrast generate` reads besides the workloads: the platform and reference values it was asked for, owner
// keys (created when one path is missing), the previous manifest, and user files with embedded defaults.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SIM_FILES } from "../attestation/sim/sim-load.ts";
import { ConfigError, UsageError } from "../common/errors.ts";
import type { RuntimeChoice } from "../kube/platform-handler.ts";
import { createOwnerKey, type OwnerKeyKind, ownerPublicKeyHex } from "../manifest/owner-keys.ts";
import { parseManifest } from "../manifest/parse-manifest.ts";
import { parseReferenceValues } from "../manifest/parse-reference-values.ts";
import { platformReferenceValues } from "../manifest/platform-reference-values.ts";
import type { Manifest, ReferenceValues } from "../manifest/schema.ts";
import { parsePlatform, SIM_RUNTIME_ID } from "../platform/index.ts";
import type { GenerateConfig } from "./generate-config.ts";
import type { PendingWrites } from "./workspace.ts";

/** The text of a user file, or the embedded default (and a pending write of it) when the file is missing. */
export function readOrDefault(path: string, fallback: string, writes: PendingWrites): string {
  if (existsSync(path)) return readFileSync(path, "utf8");
  writes.add({ path, data: fallback });
  return fallback;
}

export interface ChosenPlatform {
  /** What `contrast-cc` stands for: a platform, or `sim` (sim pods get a runtime class of their own). */
  readonly default: RuntimeChoice | undefined;
  readonly referenceValues: ReferenceValues | undefined;
}

/** `--reference-values` → default platform and its reference values; `sim` reads `<sim-dir>/reference-values.json`. */
export function choosePlatform(flag: string | undefined, simDir: string | undefined): ChosenPlatform {
  const sim = flag?.toLowerCase() === "sim";
  if (sim !== (simDir !== undefined)) {
    throw new UsageError(
      "invalid_flag",
      "--sim-dir: expected together with --reference-values sim, got only one of them",
    );
  }
  if (flag === undefined) return { default: undefined, referenceValues: undefined };
  if (simDir !== undefined) {
    const path = join(simDir, SIM_FILES.referenceValues);
    if (!existsSync(path))
      throw new ConfigError(
        "sim_dir_invalid",
        `${path}: expected a file from \`contrast sim init\`, got none`,
        { field: path },
      );
    return { default: SIM_RUNTIME_ID, referenceValues: readReferenceValuesFile(path) };
  }
  const platform = parsePlatform(flag, "--reference-values");
  return { default: platform, referenceValues: platformReferenceValues(platform) };
}

/** Owner keys → hex public keys; a single missing path is created (P-384 or RSA) and queued for writing (0600). */
export async function readKeys(
  kind: OwnerKeyKind,
  paths: readonly string[],
  writes: PendingWrites,
  rsaBits: number | undefined,
): Promise<string[]> {
  const only = paths[0];
  if (paths.length === 1 && only !== undefined && !existsSync(only)) {
    const key = await createOwnerKey(kind, rsaBits);
    writes.add({ path: only, data: key.pem, mode: 0o600 });
    return [key.publicKeyHex];
  }
  const out: string[] = [];
  for (const path of paths) {
    if (!existsSync(path))
      throw new ConfigError("key_file_missing", `${path}: expected a ${kind} key file, got none`, {
        field: path,
      });
    out.push(await ownerPublicKeyHex(kind, readFileSync(path, "utf8"), path));
  }
  return out;
}

/** A reference values file; problems are reported with the file name in front. */
function readReferenceValuesFile(path: string): ReferenceValues {
  try {
    return parseReferenceValues(new Uint8Array(readFileSync(path)));
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    throw new ConfigError(e.code, `${path}: ${e.message}`, { field: path, cause: e });
  }
}

export function readPrevious(path: string): Manifest | undefined {
  if (!existsSync(path)) return undefined;
  return parseManifest(new Uint8Array(readFileSync(path))).manifest;
}

/**
 * The keys pods pin as deployment keys (one must sign the first manifest): the manifest's workload owners, or with
 * `-d` the key `set` signs the first manifest with (created if missing, written only if some pod pins it).
 */
export async function deploymentKeysFor(
  config: GenerateConfig,
  owners: readonly string[],
): Promise<{ keys: string[]; created?: { path: string; pem: string } }> {
  if (!config.disableUpdates) return { keys: [...owners] };
  const path = config.firstSetKey;
  if (existsSync(path))
    return { keys: [await ownerPublicKeyHex("workload-owner", readFileSync(path, "utf8"), path)] };
  const created = await createOwnerKey("workload-owner");
  return { keys: [created.publicKeyHex], created: { path, pem: created.pem } };
}
