// Crash-safe file writes: temp file in the same directory, fsync, rename over the target, fsync the directory.

import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";

export interface AtomicWriteOptions {
  /** File mode of the final file (default 0o644). */
  mode?: number;
  /** Create missing parent directories (mode 0o755 or dirMode). */
  mkdirs?: boolean;
  dirMode?: number;
  /**
   * fsync the directory after the rename (default true). A caller writing many files into one directory passes false
   * and calls `fsyncDir` once per directory when all are renamed (PendingWrites in src/cli/workspace.ts).
   */
  syncDir?: boolean;
}

/** Writes `data` to `path` so that readers see either the old or the new content, never a mix. */
export function writeFileAtomic(
  path: string,
  data: Uint8Array | string,
  opts: AtomicWriteOptions = {},
): void {
  const dir = dirname(path);
  if (opts.mkdirs) {
    const created = mkdirSync(dir, { recursive: true, mode: opts.dirMode ?? 0o755 });
    // Each new directory's entry in its parent is made durable too (the file's own directory is synced below).
    if (created !== undefined) {
      const top = resolve(created);
      for (let d = resolve(dir); d.length >= top.length && d !== dirname(d); d = dirname(d))
        fsyncDir(dirname(d));
    }
  }
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Math.random().toString(16).slice(2)}.tmp`);
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const fd = openSync(tmp, "wx", opts.mode ?? 0o644);
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {}
    throw e;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {}
    throw e;
  }
  if (opts.syncDir !== false) fsyncDir(dir);
}

export function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on directories; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Puts the completely written directory `fresh` in place of `target`: `target` is moved aside, `fresh` renamed to it,
 * then the old one removed. A reader sees the old directory or the new one, never a mix; if the process dies between
 * the two renames the old content survives under `<target>.old-*`, never truncated.
 */
export function replaceDirectory(fresh: string, target: string): void {
  const aside = `${target}.old-${process.pid}-${Math.random().toString(16).slice(2)}`;
  let moved = false;
  try {
    renameSync(target, aside);
    moved = true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  try {
    renameSync(fresh, target);
  } catch (e) {
    if (moved) renameSync(aside, target);
    throw e;
  }
  fsyncDir(dirname(target));
  if (moved) rmSync(aside, { recursive: true, force: true });
}
