// Installs the runtime directory `/opt/edgeless/<handler>/` as a whole: build beside it, then swap it in by rename.

import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { fsyncDir, writeFileAtomic } from "../common/atomic-file.ts";
import { constantTimeEqual } from "../common/bytes.ts";
import { computeSri, type Sri } from "../common/sri.ts";

export interface TreeFile {
  /** Path relative to the runtime directory. */
  readonly path: string;
  readonly executable: boolean;
  readonly integrity: Sri;
  /** Either a verified staged copy or in-memory bytes (the rendered Kata configuration). */
  readonly stagedPath?: string;
  readonly content?: Uint8Array;
}

function modeOf(f: TreeFile): number {
  return f.executable ? 0o755 : 0o644;
}

/** True when `dir` already holds every file with the right digest and mode (extra files are ignored). */
export function isTreeInstalled(dir: string, files: readonly TreeFile[]): boolean {
  return files.every((f) => {
    const p = join(dir, f.path);
    try {
      const st = statSync(p);
      if (!st.isFile() || (st.mode & 0o777) !== modeOf(f)) return false;
      const got = computeSri(readFileSync(p), f.integrity.algorithm);
      return constantTimeEqual(got.digest, f.integrity.digest);
    } catch {
      return false;
    }
  });
}

function writeTree(dir: string, files: readonly TreeFile[]): void {
  for (const f of files) {
    const dest = join(dir, f.path);
    mkdirSync(dirname(dest), { recursive: true, mode: 0o755 });
    if (f.content !== undefined) writeFileAtomic(dest, f.content, { mode: modeOf(f) });
    else if (f.stagedPath !== undefined) {
      copyFileSync(f.stagedPath, dest);
      chmodSync(dest, modeOf(f)); // the staged copy is 0600; the lock decides
      const fd = openSync(dest, "r");
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
  }
}

/**
 * Makes `<parent>/<name>` hold exactly `files`. A complete, identical tree is left alone (returns false). Otherwise a
 * fresh tree is written to `.<name>.new-<pid>` and renamed over the old one, so containerd never sees a half tree.
 */
export function installTree(parent: string, name: string, files: readonly TreeFile[]): boolean {
  const target = join(parent, name);
  if (isTreeInstalled(target, files)) return false;
  mkdirSync(parent, { recursive: true, mode: 0o755 });
  const fresh = join(parent, `.${name}.new-${process.pid}`);
  const old = join(parent, `.${name}.old-${process.pid}`);
  rmSync(fresh, { recursive: true, force: true });
  mkdirSync(fresh, { mode: 0o755 });
  try {
    writeTree(fresh, files);
    if (existsSync(target)) renameSync(target, old);
    renameSync(fresh, target);
  } catch (e) {
    rmSync(fresh, { recursive: true, force: true });
    if (!existsSync(target) && existsSync(old)) renameSync(old, target);
    throw e;
  }
  rmSync(old, { recursive: true, force: true });
  fsyncDir(parent);
  return true;
}
