// Writes what the Initializer received into the shared volume, each file complete or not at all.

import { lstatSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../common/atomic-file.ts";
import { ConfigError } from "../common/errors.ts";

export interface InitializerFiles {
  meshCA: string;
  certChain: string;
  /** PKCS#8 PEM of the mesh key. */
  keyPem: string;
  rootCA: string;
  /** Hex of the workload secret, only when the policy entry has a WorkloadSecretID. */
  workloadSecretHex?: string;
}

/** The layout the workloads read (same names as the reference implementation). */
export const FILE_NAMES = {
  meshCA: "tls-config/mesh-ca.pem",
  certChain: "tls-config/certChain.pem",
  key: "tls-config/key.pem",
  rootCA: "tls-config/coordinator-root-ca.pem",
  workloadSecret: "secrets/workload-secret-seed",
} as const;

/**
 * Writes every file atomically (temp, fsync, rename). The secret-bearing files are 0400; the key is written
 * last-but-one and the secret last, so a reader that sees the secret sees everything else too.
 *
 * Directories are never followed through symlinks: `outDir` and its `tls-config`/`secrets` must be real
 * directories (created here if missing), else ConfigError `unsafe_out_dir` before anything is written. The files
 * themselves are renamed into place, which replaces a symlink of that name instead of writing through it.
 */
export function writeInitializerFiles(outDir: string, f: InitializerFiles): string[] {
  const dirs = [
    outDir,
    join(outDir, "tls-config"),
    ...(f.workloadSecretHex === undefined ? [] : [join(outDir, "secrets")]),
  ];
  const missing = dirs.filter(isMissingOrRealDirectory);
  for (const d of missing) mkdirSync(d, { recursive: true, mode: 0o755 });
  const written: string[] = [];
  const put = (rel: string, data: string, mode: number) => {
    const p = join(outDir, rel);
    writeFileAtomic(p, data, { mode });
    written.push(p);
  };
  put(FILE_NAMES.meshCA, f.meshCA, 0o444);
  put(FILE_NAMES.rootCA, f.rootCA, 0o444);
  put(FILE_NAMES.certChain, f.certChain, 0o444);
  put(FILE_NAMES.key, f.keyPem, 0o400);
  if (f.workloadSecretHex !== undefined) put(FILE_NAMES.workloadSecret, f.workloadSecretHex, 0o400);
  return written;
}

/** True when `dir` does not exist yet; false when it is a real directory; ConfigError for anything else. */
function isMissingOrRealDirectory(dir: string): boolean {
  const st = lstatSync(dir, { throwIfNoEntry: false });
  if (st === undefined) return true;
  if (st.isDirectory()) return false;
  throw new ConfigError(
    "unsafe_out_dir",
    `${dir}: expected a directory, got ${st.isSymbolicLink() ? "a symbolic link" : "another kind of file"}; refusing to write through it`,
    { field: "out-dir" },
  );
}
