// Runtime handler names: `contrast-cc-<platform>-<8 hex of SHA-256 over the canonical lock>` (contrast-reference.md §8.1).

import { createHash } from "node:crypto";
import { canonicalLockBytes, type RuntimeLock } from "./lock.ts";
import { loadRuntimeLock } from "./locks.ts";
import { type Platform, parsePlatform } from "./platforms.ts";

/** The handler for an explicit lock (tests, release pipelines that fill integrity before building). */
export function runtimeHandlerForLock(lock: RuntimeLock): string {
  const platform = parsePlatform(lock.platform);
  const digest = createHash("sha256").update(canonicalLockBytes(lock)).digest("hex");
  return `contrast-cc-${platform.id}-${digest.slice(0, 8)}`;
}

/** The handler (= RuntimeClass name) of the runtime this binary installs for `platform`; case-insensitive input. */
export function runtimeHandler(platform: string | Platform): string {
  return runtimeHandlerForLock(loadRuntimeLock(platform));
}
