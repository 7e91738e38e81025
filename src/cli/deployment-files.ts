// The workspace files that belong to one deployment (seed shares, root and mesh CA): `set` never replaces another
// deployment's (issue 10 §2); with --force-new-deployment the old ones move to a directory named after their content.

import { X509Certificate } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { constantTimeEqual, toHex } from "../common/bytes.ts";
import { createSha256 } from "../common/digest.ts";
import { PolicyError } from "../common/errors.ts";
import { WORKSPACE_FILES } from "./workspace.ts";

export const DEPLOYMENT_FILES = [
  WORKSPACE_FILES.seedShares,
  WORKSPACE_FILES.coordinatorRootCa,
  WORKSPACE_FILES.meshCa,
] as const;

/** Workspace path of each deployment file (`pathOf` applies the --workspace-dir rule). */
export type PathOf = (name: string) => string;

function present(pathOf: PathOf): string[] {
  return DEPLOYMENT_FILES.map(pathOf).filter((p) => existsSync(p));
}

/**
 * Why `set` must not write the deployment files, or undefined when it may. On a first set (the Coordinator has no
 * history) any of them in the workspace belongs to another deployment: the Coordinator would hand out a new seed
 * and CA, and the old shares are the only way to recover the old state. On an update the Coordinator's root CA key
 * must be the one in the workspace (the key, not the PEM: the certificate may be re-issued, its seed-derived key
 * may not change).
 */
export function deploymentConflict(
  pathOf: PathOf,
  coordinator: { firstSet: boolean; rootCA: string },
): PolicyError | undefined {
  if (coordinator.firstSet) {
    const found = present(pathOf);
    if (found.length === 0) return undefined;
    return new PolicyError(
      "workspace_holds_deployment",
      `${found.join(", ")}: the workspace holds another deployment's files, but the coordinator has no history; refusing to replace them. If the Coordinator lost its state, restore its state volume and run contrast recover; to start a new deployment anyway, pass --force-new-deployment (the old files are kept under previous-deployment-<id>/)`,
    );
  }
  const path = pathOf(WORKSPACE_FILES.coordinatorRootCa);
  if (!existsSync(path) || coordinator.rootCA === "") return undefined;
  const ours = spkiOfPem(readFileSync(path, "utf8"));
  const theirs = spkiOfPem(coordinator.rootCA);
  if (ours !== undefined && theirs !== undefined && constantTimeEqual(ours, theirs)) return undefined;
  return new PolicyError(
    "workspace_holds_deployment",
    `${path}: expected the coordinator's root CA key, got another deployment's; refusing to replace it (pass --force-new-deployment to keep it under previous-deployment-<id>/ and continue)`,
  );
}

/** Moves the deployment files into `previous-deployment-<16 hex of their SHA-256>/`: one name per content. */
export function archiveDeploymentFiles(pathOf: PathOf): string | undefined {
  const found = present(pathOf);
  if (found.length === 0) return undefined;
  const h = createSha256();
  for (const p of found) h.update(`${p}\0`).update(readFileSync(p)).update("\0");
  const dir = pathOf(`previous-deployment-${toHex(h.digest()).slice(0, 16)}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const p of found) {
    const target = join(dir, p.split("/").pop()!);
    if (existsSync(target)) unlinkSync(p);
    else renameSync(p, target);
  }
  return dir;
}

function spkiOfPem(pem: string): Uint8Array | undefined {
  try {
    return new Uint8Array(new X509Certificate(pem).publicKey.export({ type: "spki", format: "der" }));
  } catch {
    return undefined;
  }
}
