// `contrast recover`: unlock a restarted Coordinator with a seed share (reference §1.4, §3.9).

import type { CAC } from "cac";
import { expectOk, postJson } from "../api/client.ts";
import { toBase64 } from "../common/bytes.ts";
import { ConfigError } from "../common/errors.ts";
import { importRsaPrivateKeyPem } from "../crypto/rsa-keys.ts";
import { decryptSeedShare } from "../crypto/seedshare.ts";
import { attestCoordinator } from "./attest-coordinator.ts";
import { createCliVerifier } from "./cli-verifier.ts";
import { runAction } from "./command.ts";
import {
  contextFor,
  loadManifestFile,
  readTextFile,
  requireEndpoint,
  type UserFlags,
  workspacePath,
} from "./user-commands.ts";
import { WORKSPACE_FILES } from "./workspace.ts";

interface RecoverFlags extends UserFlags {
  seedshareOwnerKey?: unknown;
  seed?: unknown;
}

export function registerRecover(cli: CAC): void {
  cli
    .command("recover", "attest a restarted Coordinator and unlock it with your seed share")
    .option("-c, --coordinator <host:port>", "the Coordinator's user API (port 1313)")
    .option(
      "-m, --manifest <file>",
      "manifest whose reference values and coordinator policy to expect (default manifest.json)",
    )
    .option("--seedshare-owner-key <file>", "RSA key of a seed-share owner (default seedshare-owner.pem)")
    .option("--seed <file>", "seed shares from the first set (default seed-shares.json)")
    .option("--workspace-dir <dir>", "prefix for defaulted file paths")
    .action((flags: RecoverFlags) => runAction(() => recoverCoordinator(flags)));
}

async function recoverCoordinator(flags: RecoverFlags): Promise<number> {
  const ctx = contextFor(flags);
  const endpoint = requireEndpoint(flags);
  const m = loadManifestFile(workspacePath(flags, flags.manifest, WORKSPACE_FILES.manifest), ctx, false);
  const keyPath = workspacePath(flags, flags.seedshareOwnerKey, WORKSPACE_FILES.seedshareOwnerKey);
  const owner = await importRsaPrivateKeyPem(readTextFile(keyPath, "--seedshare-owner-key"), keyPath);
  const sharesPath = workspacePath(flags, flags.seed, WORKSPACE_FILES.seedShares);
  let doc: unknown;
  try {
    doc = JSON.parse(readTextFile(sharesPath, "--seed"));
  } catch (e) {
    if (e instanceof SyntaxError)
      throw new ConfigError("invalid_seed_shares", `${sharesPath}: expected JSON`);
    throw e;
  }
  const { seed, salt } = await decryptSeedShare(doc, owner);
  // The seed leaves this machine only over TLS pinned to a Coordinator attested against our manifest.
  const c = await attestCoordinator(endpoint, m.manifest, {
    verifier: createCliVerifier(process.env),
    log: ctx.log,
  });
  const res = await postJson(
    endpoint,
    "/v1/recover",
    { seed: toBase64(seed), salt: toBase64(salt) },
    { trust: { kind: "pinned", certDer: c.certDer } },
  );
  expectOk(res, "recover");
  process.stdout.write("coordinator recovered\n");
  return 0;
}
