// The name the Kata runtime gives a file or directory it shares into the guest, from the mount's destination.
//
// virtcontainers ShareFile (fs_share_linux.go): `<container id>-<hex of 8 random bytes>-<filepath.Base(m.Destination)>`,
// joined to /run/kata-containers/shared/containers with filepath.Join. The policy and the request builder both
// take the last part from here, so they cannot drift apart.

import { ConfigError } from "../common/errors.ts";

/** NAME_MAX minus `<64-hex container id>-<16 hex>-`: a longer last part cannot be created in the guest. */
export const MAX_SHARED_NAME_BYTES = 255 - 64 - 1 - 16 - 1;

/** Go's filepath.Base: trailing slashes dropped, then the last element; "/" for a path of slashes, "." for "". */
export function goBase(p: string): string {
  if (p === "") return ".";
  const trimmed = p.replace(/\/+$/, "");
  if (trimmed === "") return "/";
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

function fail(destination: string, where: string, expected: string): never {
  const shown = destination.length > 80 ? `${destination.slice(0, 77)}...` : destination;
  throw new ConfigError(
    "mount_path_invalid",
    `${where}: mount path expected ${expected}, got ${JSON.stringify(shown)}`,
    {
      field: "mountPath",
    },
  );
}

/**
 * Refuses a container mount path the guest would not mount where the policy says: not absolute, with a "."
 * or ".." element, or the root itself. Returns its last element (Go's filepath.Base).
 */
export function checkMountPath(destination: string, where: string): string {
  if (!destination.startsWith("/")) fail(destination, where, "an absolute path");
  if (destination.split("/").some((e) => e === "." || e === ".."))
    fail(destination, where, "a path without . or .. elements");
  const base = goBase(destination);
  if (base === "/") fail(destination, where, "a path below /");
  return base;
}

/** The last part of the shared name for a mount at `destination`; also refused when too long to create. */
export function sharedFileName(destination: string, where: string): string {
  const base = checkMountPath(destination, where);
  if (new TextEncoder().encode(base).length > MAX_SHARED_NAME_BYTES) {
    fail(
      destination,
      where,
      `a last element of at most ${MAX_SHARED_NAME_BYTES} bytes (shared names are limited to 255)`,
    );
  }
  return base;
}
