// Which locked artifacts a release still has to provide, and how each one gets pinned (runtime/README.md).
//
// The node-installer refuses a lock with any entry lacking integrity; this says exactly what is missing and the step
// that fixes it, for its error message and for `make release` / `bun runtime/pin-artifacts.ts --unpinned`.

import { isDebSource } from "./artifact-source.ts";
import type { LockedFile, RuntimeLock } from "./lock.ts";
import { parsePlatform } from "./platforms.ts";

export interface UnpinnedArtifact {
  readonly role: LockedFile["role"];
  readonly installPath: string;
  readonly source: string;
  /** The release step that pins it. */
  readonly howToPin: string;
}

const IMAGE_ARTIFACTS = /^\/artifacts\/(.+)$/;

function howToPin(file: LockedFile): string {
  const inImage = IMAGE_ARTIFACTS.exec(file.source);
  if (inImage !== null) return `put the file at runtime/artifacts/${inImage[1]} and run make runtime-pin`;
  if (isDebSource(file.source))
    return "run make runtime-artifacts, then bun runtime/fetch-artifacts.ts --pin";
  return `write the sha384 SRI of the bytes at ${file.source} into its lock entry's integrity`;
}

export function unpinnedArtifacts(lock: RuntimeLock): UnpinnedArtifact[] {
  return lock.files
    .filter((f) => f.integrity === undefined)
    .map((f) => ({ role: f.role, installPath: f.installPath, source: f.source, howToPin: howToPin(f) }));
}

/** One line: `<n> of <m> artifacts: role installPath (step), …`; empty when everything is pinned. */
export function describeUnpinned(lock: RuntimeLock): string {
  const missing = unpinnedArtifacts(lock);
  if (missing.length === 0) return "";
  const id = parsePlatform(lock.platform).id;
  const items = missing.map((m) => `${m.role} ${m.installPath} (${m.howToPin})`);
  return `${lock.platform} (runtime/locks/${id}.lock.json): ${missing.length} of ${lock.files.length} artifacts unpinned: ${items.join("; ")}`;
}
