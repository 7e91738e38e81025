// Public surface of the runtime platforms: the platform table, artifact locks and runtime handler names.

export type { DebSource } from "./artifact-source.ts";
export { artifactImagePath, debArtifactImagePath, isDebSource, parseDebSource } from "./artifact-source.ts";
export { runtimeHandler, runtimeHandlerForLock, SIM_RUNTIME_ID, simRuntimeHandler } from "./handler.ts";
export type { ArtifactRole, LockedFile, RuntimeLock } from "./lock.ts";
export { canonicalLockBytes, parseRuntimeLock } from "./lock.ts";
export { loadRuntimeLock } from "./locks.ts";
export type { Platform, PlatformName } from "./platforms.ts";
export { listPlatforms, parsePlatform, VM_OVERHEAD_MIB } from "./platforms.ts";
