// Where a locked artifact's bytes come from: an image path, an http(s)/file URL, or a file inside a pinned Debian package.

import { ParseError } from "../common/errors.ts";

/** Relative paths of plain segments: no `..`, no empty or dot segments, nothing absolute. */
const SEGMENT = /^[A-Za-z0-9._+-]+$/;

export function isSafeRelativePath(p: string): boolean {
  const segs = p.split("/");
  return p.length <= 255 && segs.every((s) => SEGMENT.test(s) && s !== "." && s !== "..");
}

/**
 * `deb:<package>=<version>:<absolute path in the package>`, e.g. `deb:ovmf=2022.11-6+deb12u2:/usr/share/ovmf/OVMF.fd`.
 * Package names and versions follow Debian Policy §5.6.1 and §5.6.12 (a version may carry an epoch `N:`, so the
 * path is whatever follows the last `:` before the leading `/`).
 */
export interface DebSource {
  readonly package: string;
  readonly version: string;
  readonly path: string;
}

const DEB = /^deb:([a-z0-9][a-z0-9+.-]+)=([0-9][A-Za-z0-9.+~:-]*):(\/[^:]+)$/;

/** Parses a `deb:` source; anything else (or an unsafe path inside the package) is a ParseError. */
export function parseDebSource(source: string, field = "source"): DebSource {
  const m = DEB.exec(source);
  if (!m || m[2]!.endsWith(":") || !isSafeRelativePath(m[3]!.slice(1))) {
    throw new ParseError(
      "invalid_runtime_lock",
      `${field}: expected deb:<package>=<version>:/<path>, got ${JSON.stringify(source.slice(0, 120))}`,
      { field },
    );
  }
  return { package: m[1]!, version: m[2]!, path: m[3]! };
}

export function isDebSource(source: string): boolean {
  return source.startsWith("deb:");
}

/**
 * Path of a `deb:`-sourced artifact inside the node-installer image: `/artifacts/<platform id>/<installPath>`, where
 * `make runtime-artifacts` places the extracted, integrity-checked file and images/build.sh copies it from.
 */
export function debArtifactImagePath(platformId: string, installPath: string): string {
  return `/artifacts/${platformId}/${installPath}`;
}

/** Where the node-installer image carries a locked file: deb: → debArtifactImagePath; URLs → undefined. */
export function artifactImagePath(
  platformId: string,
  file: { readonly source: string; readonly installPath: string },
): string | undefined {
  if (isDebSource(file.source)) return debArtifactImagePath(platformId, file.installPath);
  return file.source.startsWith("/") ? file.source : undefined;
}
