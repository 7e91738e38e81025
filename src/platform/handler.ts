// Runtime handler names: `contrast-cc-<platform>-<8 hex of SHA-256 over the canonical lock>` (edgelesssys/contrast internal/platforms).

import { sha256Hex } from "../common/digest.ts";
import { canonicalLockBytes, type RuntimeLock } from "./lock.ts";
import { loadRuntimeLock } from "./locks.ts";
import { type Platform, parsePlatform } from "./platforms.ts";

/** The runtime class id of pods on the simulated TEE (`generate --reference-values sim`); no node-installer platform. */
export const SIM_RUNTIME_ID = "sim";

/** The platform the sim TEE stands in for: it issues SEV-SNP reports, as pods on Metal-QEMU-SNP get them. */
const SIM_EMULATES = "Metal-QEMU-SNP";

declare const CONTRAST_LOCK_SUFFIXES: string | undefined;

/**
 * The embedded locks' suffixes as the build computed them (`--define CONTRAST_LOCK_SUFFIXES`, tools/lock-suffixes.ts:
 * `CLH-SNP=a748f357,…`), so the compiled binary hashes no lock at start-up; from source, computed on first use.
 */
const BUILT_SUFFIXES: ReadonlyMap<string, string> = new Map(
  typeof CONTRAST_LOCK_SUFFIXES === "string"
    ? CONTRAST_LOCK_SUFFIXES.split(",").map((kv) => kv.split("=") as [string, string])
    : [],
);

function embeddedSuffix(platform: Platform): string {
  return BUILT_SUFFIXES.get(platform.name) ?? lockSuffix(loadRuntimeLock(platform));
}

function lockSuffix(lock: RuntimeLock): string {
  return sha256Hex(canonicalLockBytes(lock)).slice(0, 8);
}

/** The handler for an explicit lock (tests, release pipelines that fill integrity before building). */
export function runtimeHandlerForLock(lock: RuntimeLock): string {
  const platform = parsePlatform(lock.platform);
  return `contrast-cc-${platform.id}-${lockSuffix(lock)}`;
}

/** The handler (= RuntimeClass name) of the runtime this binary installs for `platform`; case-insensitive input. */
export function runtimeHandler(platform: string | Platform): string {
  const p = parsePlatform(platform);
  return `contrast-cc-${p.id}-${embeddedSuffix(p)}`;
}

/**
 * The runtime class of sim pods, `contrast-cc-sim-<8 hex>`: a name of its own, so that `generate` reading its own
 * output knows the pod is simulated and never mistakes it for a Metal-QEMU-SNP pod (issue 11 §4). The suffix is the
 * one of the platform the sim emulates, so one build's class names share it; nothing installs this runtime.
 */
export function simRuntimeHandler(): string {
  return `contrast-cc-${SIM_RUNTIME_ID}-${embeddedSuffix(parsePlatform(SIM_EMULATES))}`;
}
