// Writes what the Initializer received into the shared volume, each file complete or not at all.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../common/atomic-file.ts";

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
 */
export function writeInitializerFiles(outDir: string, f: InitializerFiles): string[] {
  mkdirSync(join(outDir, "tls-config"), { recursive: true, mode: 0o755 });
  const written: string[] = [];
  const put = (rel: string, data: string, mode: number) => {
    const p = join(outDir, rel);
    writeFileAtomic(p, data, { mode, mkdirs: true });
    written.push(p);
  };
  put(FILE_NAMES.meshCA, f.meshCA, 0o444);
  put(FILE_NAMES.rootCA, f.rootCA, 0o444);
  put(FILE_NAMES.certChain, f.certChain, 0o444);
  put(FILE_NAMES.key, f.keyPem, 0o400);
  if (f.workloadSecretHex !== undefined) {
    mkdirSync(join(outDir, "secrets"), { recursive: true, mode: 0o755 });
    put(FILE_NAMES.workloadSecret, f.workloadSecretHex, 0o400);
  }
  return written;
}
