// `contrast recover`: unlock a restarted Coordinator with a seed share (edgelesssys/contrast cli/cmd/recover.go, edgelesssys/contrast coordinator/internal/userapi (Recover)), but only after proving
// that the history it is about to unlock is the workspace's manifest or one that descends from it (issue 10 §2).

import { existsSync } from "node:fs";
import type { CAC } from "cac";
import { expectOk, postJson } from "../api/client.ts";
import { type CommandOutput, runJsonAction } from "../command/command.ts";
import { constantTimeEqual, toBase64, toHex } from "../common/bytes.ts";
import { sha256 } from "../common/digest.ts";
import { ConfigError, PolicyError } from "../common/errors.ts";
import { importRsaPrivateKeyPem, type RsaKeyPair } from "../crypto/rsa-keys.ts";
import { decryptSeedShare } from "../crypto/seedshare.ts";
import { firstManifestOwnerKeys, verifyOwnerChain } from "../manifest/owner-chain.ts";
import { type AttestedCoordinator, attestCoordinator } from "./attest-coordinator.ts";
import { restoreSeedShares } from "./seed-shares.ts";
import {
  type LoadedManifest,
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

interface RecoverFlags extends UserFlags {
  seedshareOwnerKey?: unknown;
  seed?: unknown;
  json?: boolean;
}

export function registerRecover(cli: CAC): void {
  withUserOptions(
    cli.command("recover", "attest a restarted Coordinator and unlock it with your seed share"),
    "manifest the Coordinator's history must end with or descend from (default manifest.json)",
    true,
  )
    .example("  contrast recover -c 10.0.0.5:1313")
    .example(
      "  contrast recover -c 10.0.0.5 --seedshare-owner-key seedshare-owner.pem --seed seed-shares.json --json",
    )
    .option("--seedshare-owner-key <file>", "RSA key of a seed-share owner (default seedshare-owner.pem)")
    .option("--seed <file>", "seed shares from the first set (default seed-shares.json)")
    .action((flags: RecoverFlags) =>
      runJsonAction(flags.json, (out) =>
        runRecover(readRecoverConfig(flags), userCommandDeps(flags, process.env), out),
      ),
    );
}

export interface RecoverConfig extends UserCommandConfig {
  readonly seedshareOwnerKeyPath: string;
  readonly seedSharesPath: string;
}

export function readRecoverConfig(flags: RecoverFlags): RecoverConfig {
  return Object.freeze({
    ...readUserCommandConfig(flags),
    seedshareOwnerKeyPath: workspacePath(flags, flags.seedshareOwnerKey, WORKSPACE_FILES.seedshareOwnerKey),
    seedSharesPath: workspacePath(flags, flags.seed, WORKSPACE_FILES.seedShares),
  });
}

export async function runRecover(
  config: RecoverConfig,
  deps: UserCommandDeps,
  out: CommandOutput,
): Promise<number> {
  const endpoint = config.endpoint;
  out.set("coordinator", endpoint);
  const m = loadManifestFile(config.manifestPath, deps, false);
  const keyPath = config.seedshareOwnerKeyPath;
  const owner = await importRsaPrivateKeyPem(readTextFile(keyPath, "--seedshare-owner-key"), keyPath);
  const sharesPath = config.seedSharesPath;
  // Shares in the workspace are checked before anything goes over the network, as always.
  const local = existsSync(sharesPath) ? await readSeedShare(sharesPath, owner) : undefined;
  // The seed leaves this machine only over TLS pinned to a Coordinator attested against our manifest.
  const c = await attestCoordinator(endpoint, m.manifest, deps);
  if (c.phase !== "recovery")
    throw new PolicyError("already_recovered", `the coordinator is not in recovery mode, got ${c.phase}`);
  const lineage = await checkLineage(c, m);
  out.set("manifests", c.manifests.length);
  out.set("lineage", lineage);
  // A workspace without shares (the reply to the first set was lost) takes them from the history just checked.
  if (local === undefined) await restoreSeedShares(endpoint, c, sharesPath);
  const { seed, salt } = local ?? (await readSeedShare(sharesPath, owner));
  out.print(`${lineage}\n`);
  const res = await postJson(
    endpoint,
    "/v1/recover",
    { seed: toBase64(seed), salt: toBase64(salt), latestTransition: toHex(c.latestTransition) },
    { trust: { kind: "pinned", certDer: c.certDer } },
  );
  expectOk(res, "recover");
  out.set("recovered", true);
  out.print("coordinator recovered\n");
  return 0;
}

async function readSeedShare(
  path: string,
  owner: RsaKeyPair,
): Promise<{ seed: Uint8Array; salt: Uint8Array }> {
  let doc: unknown;
  try {
    doc = JSON.parse(readTextFile(path, "--seed"));
  } catch (e) {
    if (e instanceof SyntaxError) throw new ConfigError("invalid_seed_shares", `${path}: expected JSON`);
    throw e;
  }
  return decryptSeedShare(doc, owner);
}

/**
 * Before the seed is sent: the stored history the Coordinator would unlock must end with the workspace manifest or
 * contain it (then the newer manifests were set after it, each signed by an owner of the one before). Anything
 * else is an older history copied back, or another deployment's: exit 5, the seed stays here.
 */
async function checkLineage(c: AttestedCoordinator, local: LoadedManifest): Promise<string> {
  await verifyOwnerChain(c.manifests, c.signatures, firstManifestOwnerKeys(c.manifests[0]!));
  const hash = (b: Uint8Array) => toHex(sha256(b));
  const newest = c.manifests[c.manifests.length - 1]!;
  let at = -1;
  c.manifests.forEach((m, i) => {
    if (constantTimeEqual(m, local.raw)) at = i;
  });
  if (at < 0) {
    throw new PolicyError(
      "history_rollback",
      `the coordinator's stored history (${c.manifests.length} manifest(s), newest ${hash(newest)}) does not contain ${local.path} (${hash(local.raw)}): it was rolled back to an older state or belongs to another deployment; the seed was not sent`,
    );
  }
  const later = c.manifests.length - 1 - at;
  return later === 0
    ? `the coordinator's newest manifest is ${local.path} (${hash(newest)})`
    : `the coordinator's newest manifest ${hash(newest)} descends from ${local.path} (${hash(local.raw)}) through ${later} signed update(s) set after it`;
}
