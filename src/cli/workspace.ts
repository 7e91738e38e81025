// Workspace file names shared by the CLI commands (edgelesssys/contrast cli/cmd) and the `--workspace-dir` prefix rule.

import { chmodSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fsyncDir, writeFileAtomic } from "../common/atomic-file.ts";
import { batchCollector } from "../common/batch-gc.ts";
import { UsageError } from "../common/errors.ts";

/** The reference CLI's workspace file names; `--workspace-dir` only prefixes these defaults. */
export const WORKSPACE_FILES = Object.freeze({
  manifest: "manifest.json",
  rules: "rules.rego",
  settings: "settings.json",
  layersCache: "layers-cache.json",
  workloadOwnerKey: "workload-owner.pem",
  seedshareOwnerKey: "seedshare-owner.pem",
  seedShares: "seed-shares.json",
  coordinatorRootCa: "coordinator-root-ca.pem",
  meshCa: "mesh-ca.pem",
  /** Directory `contrast verify` writes into. */
  verifyDir: "verify",
  /** Directory of initdata documents, `<digest>.toml`, written by `generate` and read by `set`. */
  policiesDir: "policies",
} as const);

/**
 * The path of one workspace file: an explicitly given path is used as given; a defaulted one is
 * `<workspaceDir>/<defaultName>` (edgelesssys/contrast cli/cmd: only defaulted paths are prefixed).
 */
export function workspacePath(
  workspaceDir: string | undefined,
  given: string | undefined,
  defaultName: string,
): string {
  if (given !== undefined && given !== "") return given;
  return workspaceDir === undefined || workspaceDir === "" ? defaultName : join(workspaceDir, defaultName);
}

/** A flag's value as a string (cac turns numeric values into numbers); absent → undefined, empty → UsageError. */
export function flagString(v: unknown, flag: string): string | undefined {
  if (v === undefined) return undefined;
  if ((typeof v !== "string" && typeof v !== "number") || v === "" || Array.isArray(v))
    throw new UsageError(
      "invalid_flag",
      `${flag}: expected one value, got ${Array.isArray(v) ? "several" : "none"}`,
    );
  return String(v);
}

/** A repeatable flag's values (cac gives a single value or an array). */
export function flagList(v: unknown): string[] {
  return v === undefined ? [] : (Array.isArray(v) ? v : [v]).map(String);
}

/** `<workspace>/policies/<digest>.toml`: where `generate` leaves each pod's initdata document for `set`. */
export function policyDocumentPath(workspaceDir: string | undefined, digest: string): string {
  return join(workspacePath(workspaceDir, undefined, WORKSPACE_FILES.policiesDir), `${digest}.toml`);
}

export interface PendingFile {
  readonly path: string;
  /** The content, or a function that makes it when the file is written (one at a time, not all held at once). */
  readonly data: string | Uint8Array | (() => string | Uint8Array);
  /** File mode, e.g. 0o600 for keys; default: the existing file's mode, else 0o644. */
  readonly mode?: number;
}

/**
 * Files a command decided to write, held until everything succeeded, then each written atomically
 * (`writeFileAtomic`), so a failed run leaves no half-written set behind. Files whose content is already on
 * disk are left untouched (same bytes, same mode), so a repeated run changes no mtimes.
 */
export class PendingWrites {
  private readonly files = new Map<string, PendingFile>();

  add(file: PendingFile): void {
    this.files.set(file.path, file);
  }

  get paths(): string[] {
    return [...this.files.keys()];
  }

  /**
   * Writes every file; returns the paths that changed. Each file is written atomically (temp file, fsync, rename);
   * each directory is fsynced once, after all its renames, before this returns (not once per file: a thousand
   * policies share one directory).
   */
  commit(): string[] {
    const changed: string[] = [];
    const dirs = new Set<string>();
    const collect = batchCollector();
    for (const pending of this.files.values()) {
      collect();
      const data = typeof pending.data === "function" ? pending.data() : pending.data;
      const f = { ...pending, data };
      const st = statSync(f.path, { throwIfNoEntry: false });
      const mode = st?.isFile() ? st.mode & 0o777 : undefined;
      if (st?.isFile() && sameContent(f, st.size) && (f.mode === undefined || f.mode === mode)) continue;
      writeFileAtomic(f.path, f.data, { mode: f.mode ?? mode ?? 0o644, mkdirs: true, syncDir: false });
      dirs.add(dirname(f.path));
      // The umask may have cleared bits of a kept mode (e.g. a user's 0664 YAML); restore it exactly.
      if (f.mode === undefined && mode !== undefined) chmodSync(f.path, mode);
      changed.push(f.path);
    }
    for (const dir of dirs) fsyncDir(dir);
    return changed;
  }
}

/** Whether the file holds exactly `f.data`; read only when its size already matches. */
function sameContent(
  f: { readonly path: string; readonly data: string | Uint8Array },
  size: number,
): boolean {
  const length = typeof f.data === "string" ? Buffer.byteLength(f.data, "utf8") : f.data.byteLength;
  if (length !== size) return false;
  try {
    const want =
      typeof f.data === "string"
        ? Buffer.from(f.data, "utf8")
        : Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength);
    return readFileSync(f.path).equals(want);
  } catch {
    return false;
  }
}
