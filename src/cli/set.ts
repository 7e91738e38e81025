// `contrast set`: attest the Coordinator against the manifest being set, then install or update it.

import { existsSync } from "node:fs";
import { dirname } from "node:path";
import type { CAC } from "cac";
import { expectOk, postJson } from "../api/client.ts";
import { writeFileAtomic } from "../common/atomic-file.ts";
import { constantTimeEqual, toBase64, toHex } from "../common/bytes.ts";
import { ConfigError } from "../common/errors.ts";
import { importEcPrivateKeyPem } from "../crypto/keys.ts";
import { computeTransitionHash, signTransition } from "../crypto/transition.ts";
import { attestCoordinator } from "./attest-coordinator.ts";
import { createCliVerifier } from "./cli-verifier.ts";
import { runAction } from "./command.ts";
import { archiveDeploymentFiles, deploymentConflict } from "./deployment-files.ts";
import { documentsFromDir, documentsFromYaml, selectPolicyDocuments } from "./policy-documents.ts";
import { restoreSeedShares } from "./seed-shares.ts";
import {
  contextFor,
  loadManifestFile,
  readTextFile,
  requireEndpoint,
  type UserFlags,
  workspacePath,
} from "./user-commands.ts";
import { WORKSPACE_FILES } from "./workspace.ts";

interface SetFlags extends UserFlags {
  workloadOwnerKey?: unknown;
  forceNewDeployment?: boolean;
}

export function registerSet(cli: CAC): void {
  cli
    .command("set [...paths]", "attest the Coordinator, then install or update the manifest")
    .option("-c, --coordinator <host:port>", "the Coordinator's user API (port 1313)")
    .option("-m, --manifest <file>", "manifest to set (default manifest.json)")
    .option(
      "--workload-owner-key <file>",
      "ECDSA key that signs the manifest, the first one too (default workload-owner.pem)",
    )
    .option(
      "--force-new-deployment",
      "replace the workspace's seed shares and CA files of another deployment (they are moved aside)",
    )
    .option("--workspace-dir <dir>", "prefix for defaulted file paths")
    .action((paths: string[], flags: SetFlags) => runAction(() => setManifest(paths, flags)));
}

async function setManifest(paths: string[], flags: SetFlags): Promise<number> {
  const ctx = contextFor(flags);
  const endpoint = requireEndpoint(flags);
  const m = loadManifestFile(workspacePath(flags, flags.manifest, WORKSPACE_FILES.manifest), ctx, true);
  const found =
    paths.length > 0
      ? documentsFromYaml(paths)
      : documentsFromDir(workspacePath(flags, undefined, WORKSPACE_FILES.policiesDir));
  const policies = selectPolicyDocuments(m.manifest, found);

  const verifier = createCliVerifier(process.env);
  const coordinator = await attestCoordinator(endpoint, m.manifest, { verifier, log: ctx.log });
  const previous = coordinator.latestTransition;
  const first = coordinator.manifests.length === 0;
  const pathOf = (name: string) => workspacePath(flags, undefined, name);
  const conflict = deploymentConflict(pathOf, { firstSet: first, rootCA: coordinator.rootCA });
  if (conflict !== undefined && flags.forceNewDeployment !== true) throw conflict;
  // A lost reply to an earlier set (issue 15 §2): fetch the seed shares the workspace lacks, and when the
  // Coordinator already holds exactly this manifest, take its CA files instead of setting it a second time.
  const lostReply =
    !first &&
    coordinator.phase === "ready" &&
    !existsSync(pathOf(WORKSPACE_FILES.seedShares)) &&
    constantTimeEqual(coordinator.manifests[coordinator.manifests.length - 1]!, m.raw);
  if (lostReply) {
    await restoreSeedShares(endpoint, coordinator, pathOf(WORKSPACE_FILES.seedShares));
    writeFileAtomic(pathOf(WORKSPACE_FILES.coordinatorRootCa), coordinator.rootCA, { mkdirs: true });
    writeFileAtomic(pathOf(WORKSPACE_FILES.meshCa), coordinator.meshCA, { mkdirs: true });
    process.stdout.write(
      `manifest already set: the coordinator's newest manifest is ${m.path}; CA certificates written to ${dirname(pathOf(WORKSPACE_FILES.meshCa))}\n`,
    );
    return 0;
  }
  // The first manifest is signed too: pods accept a history only if a key pinned in their initdata started it.
  const keyPath = workspacePath(flags, flags.workloadOwnerKey, WORKSPACE_FILES.workloadOwnerKey);
  const owner = await importEcPrivateKeyPem(readTextFile(keyPath, "--workload-owner-key"), keyPath);
  const signature = await signTransition(owner.privateKey, computeTransitionHash(m.raw, previous));
  const res = await postJson(
    endpoint,
    "/v1/manifest",
    {
      manifest: toBase64(m.raw),
      policies: policies.map(toBase64),
      previousTransition: toHex(previous),
      signature: toBase64(signature),
    },
    { trust: { kind: "pinned", certDer: coordinator.certDer } },
  );
  const body = expectOk(res, "set manifest");
  const rootCA = body.rootCA;
  const meshCA = body.meshCA;
  if (typeof rootCA !== "string" || typeof meshCA !== "string") {
    throw new ConfigError("bad_response", "set manifest: response lacks rootCA/meshCA");
  }
  if (conflict !== undefined) {
    const archived = archiveDeploymentFiles(pathOf);
    if (archived !== undefined)
      process.stderr.write(`the previous deployment's files were moved to ${archived}\n`);
  }
  writeFileAtomic(workspacePath(flags, undefined, WORKSPACE_FILES.coordinatorRootCa), rootCA, {
    mkdirs: true,
  });
  writeFileAtomic(workspacePath(flags, undefined, WORKSPACE_FILES.meshCa), meshCA, { mkdirs: true });
  if (body.seedShares !== undefined) {
    const path = workspacePath(flags, undefined, WORKSPACE_FILES.seedShares);
    writeFileAtomic(path, `${JSON.stringify(body.seedShares, null, 2)}\n`, { mode: 0o600, mkdirs: true });
    process.stderr.write(
      `seed shares written to ${path}: keep them safe, they are needed to recover the Coordinator\n`,
    );
  } else {
    // An update accepted under our owner key: the history is ours, and the workspace should hold its shares.
    await restoreSeedShares(endpoint, coordinator, pathOf(WORKSPACE_FILES.seedShares));
  }
  process.stdout.write(
    `manifest set (${coordinator.manifests.length === 0 ? "first manifest" : `update ${coordinator.manifests.length + 1}`}); CA certificates written to ${dirname(workspacePath(flags, undefined, WORKSPACE_FILES.meshCa))}\n`,
  );
  return 0;
}
