// `contrast set`: attest the Coordinator against the manifest being set, then install or update it.

import { existsSync } from "node:fs";
import { dirname } from "node:path";
import type { CAC } from "cac";
import { expectOk, postJson } from "../api/client.ts";
import { type CommandOutput, runJsonAction } from "../command/command.ts";
import { writeFileAtomic } from "../common/atomic-file.ts";
import { constantTimeEqual, toBase64, toHex } from "../common/bytes.ts";
import { sha256 } from "../common/digest.ts";
import { ContrastError, UnavailableError } from "../common/errors.ts";
import { exportPublicKeySpki, importEcPrivateKeyPem } from "../crypto/keys.ts";
import { parseSeedShareDocument } from "../crypto/seedshare.ts";
import { computeTransitionHash, signTransition } from "../crypto/transition.ts";
import { parseManifest } from "../manifest/parse-manifest.ts";
import { attestCoordinator } from "./attest-coordinator.ts";
import { archiveDeploymentFiles, deploymentConflict } from "./deployment-files.ts";
import { checkSigningKey } from "./owner-key-check.ts";
import { documentsFromDir, documentsFromYaml, selectPolicyDocuments } from "./policy-documents.ts";
import { restoreSeedShares } from "./seed-shares.ts";
import {
  loadManifestFile,
  readTextFile,
  readUserCommandConfig,
  type UserCommandConfig,
  type UserCommandDeps,
  type UserFlags,
  userCommandDeps,
  withUserOptions,
  workspacePath,
} from "./user-commands.ts";
import { WORKSPACE_FILES } from "./workspace.ts";

interface SetFlags extends UserFlags {
  workloadOwnerKey?: unknown;
  forceNewDeployment?: boolean;
  json?: boolean;
}

export function registerSet(cli: CAC): void {
  withUserOptions(
    cli.command("set [...paths]", "attest the Coordinator, then install or update the manifest"),
    "manifest to set (default manifest.json)",
    true,
  )
    .example("  contrast set -c 10.0.0.5:1313 deployment/")
    .example(
      "  contrast set -c coordinator.example --workspace-dir ws --json   # port 1313 when none is given",
    )
    .option(
      "--workload-owner-key <file>",
      "ECDSA key that signs the manifest, the first one too (default workload-owner.pem)",
    )
    .option(
      "--force-new-deployment",
      "replace the workspace's seed shares and CA files of another deployment (they are moved aside)",
    )
    .action((paths: string[], flags: SetFlags) =>
      runJsonAction(flags.json, (out) =>
        runSet(readSetConfig(paths, flags), userCommandDeps(flags, process.env), out),
      ),
    );
}

export interface SetConfig extends UserCommandConfig {
  /** YAML files whose initdata annotations hold the policies; empty: the workspace's policies/ directory. */
  readonly policyPaths: readonly string[];
  readonly workloadOwnerKeyPath: string;
  readonly forceNewDeployment: boolean;
}

export function readSetConfig(paths: readonly string[], flags: SetFlags): SetConfig {
  return Object.freeze({
    ...readUserCommandConfig(flags),
    policyPaths: [...paths],
    workloadOwnerKeyPath: workspacePath(flags, flags.workloadOwnerKey, WORKSPACE_FILES.workloadOwnerKey),
    forceNewDeployment: flags.forceNewDeployment === true,
  });
}

export async function runSet(config: SetConfig, deps: UserCommandDeps, out: CommandOutput): Promise<number> {
  const endpoint = config.endpoint;
  out.set("coordinator", endpoint);
  const m = loadManifestFile(config.manifestPath, deps, true);
  out.set("manifest", m.path);
  out.set("manifestHash", toHex(sha256(m.raw)));
  const found =
    config.policyPaths.length > 0
      ? documentsFromYaml(config.policyPaths)
      : documentsFromDir(config.workspaceFile(WORKSPACE_FILES.policiesDir));
  const policies = selectPolicyDocuments(m.manifest, found);

  const coordinator = await attestCoordinator(endpoint, m.manifest, deps);
  const previous = coordinator.latestTransition;
  const first = coordinator.manifests.length === 0;
  const pathOf = config.workspaceFile;
  const conflict = deploymentConflict(pathOf, { firstSet: first, rootCA: coordinator.rootCA });
  if (conflict !== undefined && !config.forceNewDeployment) throw conflict;
  // A lost reply to an earlier set (issue 15 §2): fetch the seed shares the workspace lacks, and when the
  // Coordinator already holds exactly this manifest, take its CA files instead of setting it a second time.
  const lostReply =
    !first &&
    coordinator.phase === "ready" &&
    !existsSync(pathOf(WORKSPACE_FILES.seedShares)) &&
    constantTimeEqual(coordinator.manifests[coordinator.manifests.length - 1]!, m.raw);
  if (lostReply) {
    const sharesPath = pathOf(WORKSPACE_FILES.seedShares);
    await restoreSeedShares(endpoint, coordinator, sharesPath);
    writeFileAtomic(pathOf(WORKSPACE_FILES.coordinatorRootCa), coordinator.rootCA, { mkdirs: true });
    writeFileAtomic(pathOf(WORKSPACE_FILES.meshCa), coordinator.meshCA, { mkdirs: true });
    out.set("manifests", coordinator.manifests.length);
    out.set("alreadySet", true);
    out.set("coordinatorRootCa", pathOf(WORKSPACE_FILES.coordinatorRootCa));
    out.set("meshCa", pathOf(WORKSPACE_FILES.meshCa));
    if (existsSync(sharesPath)) out.set("seedShares", sharesPath);
    out.print(
      `manifest already set: the coordinator's newest manifest is ${m.path}; CA certificates written to ${dirname(pathOf(WORKSPACE_FILES.meshCa))}\n`,
    );
    return 0;
  }
  // The first manifest is signed too: pods accept a history only if a key pinned in their initdata started it.
  const keyPath = config.workloadOwnerKeyPath;
  const owner = await importEcPrivateKeyPem(readTextFile(keyPath, "--workload-owner-key"), keyPath);
  const current = first ? m.manifest : parseManifest(coordinator.manifests.at(-1)!).manifest;
  checkSigningKey({
    keyPath,
    signer: await exportPublicKeySpki(owner.publicKey),
    owners: current.WorkloadOwnerPubKeys,
    update: !first,
  });
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
  const answer = parseSetAnswer(expectOk(res, "set manifest"));
  // Nothing is written before the answer checked out.
  if (conflict !== undefined) {
    const archived = archiveDeploymentFiles(pathOf);
    if (archived !== undefined) {
      deps.stderr(`the previous deployment's files were moved to ${archived}\n`);
      out.set("archivedTo", archived);
    }
  }
  const rootCaPath = pathOf(WORKSPACE_FILES.coordinatorRootCa);
  const meshCaPath = pathOf(WORKSPACE_FILES.meshCa);
  writeFileAtomic(rootCaPath, answer.rootCA, { mkdirs: true });
  writeFileAtomic(meshCaPath, answer.meshCA, { mkdirs: true });
  out.set("manifests", coordinator.manifests.length + 1);
  out.set("firstManifest", first);
  out.set("coordinatorRootCa", rootCaPath);
  out.set("meshCa", meshCaPath);
  if (answer.seedShares !== undefined) {
    const path = pathOf(WORKSPACE_FILES.seedShares);
    writeFileAtomic(path, `${JSON.stringify(answer.seedShares, null, 2)}\n`, { mode: 0o600, mkdirs: true });
    deps.stderr(
      `seed shares written to ${path}: keep them safe, they are needed to recover the Coordinator\n`,
    );
    out.set("seedShares", path);
  } else {
    // An update accepted under our owner key: the history is ours, and the workspace should hold its shares.
    await restoreSeedShares(endpoint, coordinator, pathOf(WORKSPACE_FILES.seedShares));
  }
  out.print(
    `manifest set (${first ? "first manifest" : `update ${coordinator.manifests.length + 1}`}); CA certificates written to ${dirname(meshCaPath)}\n`,
  );
  return 0;
}

/** The answer's shape; a malformed answer is the Coordinator's fault (exit 6) and nothing is written. */
function parseSetAnswer(body: Record<string, unknown>): {
  rootCA: string;
  meshCA: string;
  seedShares: unknown;
} {
  const { rootCA, meshCA, seedShares } = body;
  if (typeof rootCA !== "string" || typeof meshCA !== "string")
    throw new UnavailableError(
      "bad_response",
      "set manifest: expected rootCA and meshCA in the answer, got none",
    );
  if (seedShares !== undefined) {
    try {
      parseSeedShareDocument(seedShares);
    } catch (e) {
      if (!(e instanceof ContrastError)) throw e;
      throw new UnavailableError("bad_response", `set manifest: seedShares in the answer: ${e.message}`);
    }
  }
  return { rootCA, meshCA, seedShares };
}
