// Reads every locked artifact into a staging directory while hashing it, and refuses all of them unless all verify.

import { closeSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, UnavailableError } from "../common/errors.ts";
import { createSriHasher, parseSri, type Sri, verifySri } from "../common/sri.ts";
import { artifactImagePath } from "../platform/artifact-source.ts";
import type { LockedFile, RuntimeLock } from "../platform/lock.ts";
import { parsePlatform } from "../platform/platforms.ts";
import { unpinnedArtifacts } from "../platform/unpinned.ts";

export interface ArtifactSourceOptions {
  /** Root of the node-installer image's file system; image-path sources are read below it. */
  readonly imageRoot: string;
  /** Whether `http(s)://` and `file://` sources may be read (`--fetch`); image paths always may. */
  readonly allowFetch: boolean;
  readonly fetch?: typeof fetch;
  /** Upper bound per artifact, so a hostile source cannot fill the disk (default 4 GiB). */
  readonly maxBytes?: number;
}

export interface StagedArtifact {
  readonly file: LockedFile;
  readonly stagedPath: string;
  readonly integrity: Sri;
}

const DEFAULT_MAX = 4 * 1024 ** 3;

/**
 * An artifact without integrity cannot be installed: the release pipeline pins it (runtime/pin-artifacts.ts). The
 * refusal names every such artifact and the step that pins it, so an operator knows what the release lacks.
 */
export function requireIntegrity(lock: RuntimeLock): Sri[] {
  const missing = unpinnedArtifacts(lock);
  if (missing.length > 0) {
    const items = missing.map((m) => `${m.role} ${m.installPath} (${m.howToPin})`).join("; ");
    throw new ConfigError(
      "artifact_integrity_missing",
      `files: expected integrity for every ${lock.platform} artifact, got none for ${missing.length} of ${lock.files.length}: ${items}; this node-installer image is not a release that can install ${lock.platform} (runtime/README.md, "What a release must provide")`,
      { field: "files" },
    );
  }
  return lock.files.map((f, i) => parseSri(f.integrity, `files[${i}].integrity`));
}

/** The file a source names on this machine: an image path below the image root, or a `file://` path. */
function localPath(file: LockedFile, platformId: string, imageRoot: string): string {
  if (file.source.startsWith("file://")) return file.source.slice(7);
  // A deb: artifact is never fetched here: the image carries the extracted file (runtime/README.md).
  return join(imageRoot, artifactImagePath(platformId, file) ?? file.source);
}

async function openSource(
  file: LockedFile,
  platformId: string,
  opts: ArtifactSourceOptions,
): Promise<ReadableStream<Uint8Array>> {
  const field = `${file.installPath}.source`;
  const remote = /^(https?|file):/.test(file.source);
  if (remote && !opts.allowFetch) {
    throw new ConfigError(
      "artifact_fetch_not_allowed",
      `${field}: expected an image path without --fetch, got ${file.source}`,
      { field },
    );
  }
  if (/^https?:/.test(file.source)) {
    let res: Response;
    try {
      res = await (opts.fetch ?? fetch)(file.source, { redirect: "follow" });
    } catch (e) {
      throw new UnavailableError("artifact_fetch_failed", `${field}: cannot fetch ${file.source}`, {
        field,
        cause: e,
      });
    }
    if (!res.ok || !res.body) {
      throw new UnavailableError("artifact_fetch_failed", `${field}: expected http 200, got ${res.status}`, {
        field,
      });
    }
    return res.body;
  }
  const path = localPath(file, platformId, opts.imageRoot);
  const f = Bun.file(path);
  if (!(await f.exists())) {
    throw new ConfigError("artifact_missing", `${field}: expected a file at ${path}, got nothing`, { field });
  }
  return f.stream();
}

async function stageOne(
  file: LockedFile,
  platformId: string,
  expected: Sri,
  dest: string,
  opts: ArtifactSourceOptions,
): Promise<Sri> {
  const hasher = createSriHasher(expected.algorithm);
  const max = opts.maxBytes ?? DEFAULT_MAX;
  const source = await openSource(file, platformId, opts);
  const fd = openSync(dest, "wx", 0o600);
  try {
    let total = 0;
    for await (const chunk of source) {
      total += chunk.length;
      if (total > max) {
        throw new ConfigError(
          "artifact_too_large",
          `${file.installPath}: expected at most ${max} bytes, got more`,
          {
            field: file.installPath,
          },
        );
      }
      hasher.update(chunk);
      let off = 0;
      while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
    }
  } finally {
    closeSync(fd);
  }
  return hasher.digest();
}

/**
 * Copies every artifact into `stagingDir` (never the host) and verifies each one's SRI (constant-time).
 * Throws on the first missing, unreadable or mismatching artifact; the caller then writes nothing.
 */
export async function stageArtifacts(
  lock: RuntimeLock,
  stagingDir: string,
  opts: ArtifactSourceOptions,
): Promise<StagedArtifact[]> {
  const expected = requireIntegrity(lock);
  const platformId = parsePlatform(lock.platform).id;
  const out: StagedArtifact[] = [];
  for (const [i, file] of lock.files.entries()) {
    const want = expected[i]!;
    const stagedPath = join(stagingDir, `${i}.artifact`);
    const got = await stageOne(file, platformId, want, stagedPath, opts);
    verifySri(want, got, `${file.installPath}.integrity`);
    out.push({ file, stagedPath, integrity: want });
  }
  return out;
}
