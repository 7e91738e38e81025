// Seed shares fetched again from an attested Coordinator (issue 15 §2): they exist only in the reply to the first
// `set`, so a lost reply used to lose them. The Coordinator stores the document (encrypted to its owners) with its
// history; `contrast seed-shares`, `set` and `recover` fetch it over the pinned connection when the workspace lacks it.

import { existsSync, readFileSync } from "node:fs";
import type { CAC } from "cac";
import { expectOk, postJson } from "../api/client.ts";
import { ApiError } from "../api/errors.ts";
import { runAction } from "../command/command.ts";
import { writeFileAtomic } from "../common/atomic-file.ts";
import { PolicyError, UnavailableError, VerificationError } from "../common/errors.ts";
import { parseSeedShareDocument, type SeedShareDocument } from "../crypto/seedshare.ts";
import { parseManifest } from "../manifest/parse-manifest.ts";
import { type AttestedCoordinator, attestCoordinator } from "./attest-coordinator.ts";
import {
  loadManifestFile,
  readUserCommandConfig,
  type UserCommandConfig,
  type UserCommandDeps,
  type UserFlags,
  userCommandDeps,
  withUserOptions,
  workspacePath,
} from "./user-commands.ts";
import { WORKSPACE_FILES } from "./workspace.ts";

interface SeedSharesFlags extends UserFlags {
  output?: unknown;
}

export function registerSeedShares(cli: CAC): void {
  withUserOptions(
    cli.command("seed-shares", "fetch the seed shares of the first set again from the attested Coordinator"),
    "manifest to attest the Coordinator against (default manifest.json)",
    false,
  )
    .example("  contrast seed-shares -c 10.0.0.5:1313   # after a lost reply to the first set")
    .option("-o, --output <file>", "where to write them (default seed-shares.json)")
    .action((flags: SeedSharesFlags) =>
      runAction(() =>
        runSeedShares(
          {
            ...readUserCommandConfig(flags),
            output: workspacePath(flags, flags.output, WORKSPACE_FILES.seedShares),
          },
          userCommandDeps(flags, process.env),
        ),
      ),
    );
}

export async function runSeedShares(
  config: UserCommandConfig & { readonly output: string },
  deps: UserCommandDeps,
): Promise<number> {
  const endpoint = config.endpoint;
  const m = loadManifestFile(config.manifestPath, deps, false);
  const path = config.output;
  const c = await attestCoordinator(endpoint, m.manifest, deps);
  if (c.manifests.length === 0)
    throw new UnavailableError(
      "no_manifest",
      "the coordinator has no manifest yet, so no seed shares either",
    );
  const doc = await fetchSeedShares(endpoint, c);
  if (doc === undefined) {
    throw new UnavailableError(
      "no_seed_shares",
      "the coordinator stores no seed shares for this deployment (it was set before they were stored): only the reply to the first set had them",
    );
  }
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  if (existsSync(path)) {
    if (sameDocument(readFileSync(path, "utf8"), doc)) {
      process.stdout.write(`${path} already holds this deployment's seed shares\n`);
      return 0;
    }
    throw new PolicyError(
      "workspace_holds_deployment",
      `${path}: holds other seed shares than this deployment's; refusing to replace them (pass -o FILE to write elsewhere)`,
    );
  }
  writeFileAtomic(path, text, { mode: 0o600, mkdirs: true });
  process.stdout.write(
    `seed shares written to ${path}: keep them safe, they are needed to recover the Coordinator\n`,
  );
  return 0;
}

/**
 * The stored seed-share document, or undefined when the Coordinator has none (a deployment set before they were
 * stored). Checked against the attested history: one share per seed-share owner of the first manifest, no other.
 */
export async function fetchSeedShares(
  endpoint: string,
  c: AttestedCoordinator,
): Promise<SeedShareDocument | undefined> {
  const res = await postJson(
    endpoint,
    "/v1/seed-shares",
    {},
    { trust: { kind: "pinned", certDer: c.certDer } },
  );
  let body: Record<string, unknown>;
  try {
    body = expectOk(res, "seed shares");
  } catch (e) {
    if (e instanceof ApiError && e.code === "no_seed_shares") return undefined;
    throw e;
  }
  const doc = parseSeedShareDocument(body.seedShares);
  const owners = parseManifest(c.manifests[0]!).manifest.SeedshareOwnerPubKeys.map((h) => h.toLowerCase());
  const shared = doc.SeedShares.map((s) => s.PublicKey);
  if (shared.length !== owners.length || shared.some((k) => !owners.includes(k))) {
    throw new VerificationError(
      "seed_shares_mismatch",
      `seed shares: expected one per seed-share owner of the first manifest (${owners.length}), got shares for ${shared.length} other or different key(s)`,
    );
  }
  return doc;
}

/**
 * For `set` and `recover`: when the workspace has no seed shares but the Coordinator holds some, fetch and write
 * them and say so loudly; when nobody has them, say that loudly. Returns the document when one was written.
 */
export async function restoreSeedShares(
  endpoint: string,
  c: AttestedCoordinator,
  path: string,
): Promise<SeedShareDocument | undefined> {
  if (existsSync(path) || c.manifests.length === 0) return undefined;
  const doc = await fetchSeedShares(endpoint, c);
  if (doc === undefined) {
    loud(
      `this workspace has no ${path}, and the coordinator stores none for this deployment.`,
      "whoever ran the first contrast set holds them; without them a restarted Coordinator cannot be recovered.",
    );
    return undefined;
  }
  writeFileAtomic(path, `${JSON.stringify(doc, null, 2)}\n`, { mode: 0o600, mkdirs: true });
  loud(
    `this workspace had no seed shares for this deployment: fetched them from the attested coordinator`,
    `and wrote them to ${path}. Keep them safe: they are needed to recover the Coordinator.`,
  );
  return doc;
}

/** For `verify`: an auditor's workspace may lack the shares on purpose, but never silently. Fetches nothing to disk. */
export async function warnIfSeedSharesMissing(
  endpoint: string,
  c: AttestedCoordinator,
  path: string,
): Promise<void> {
  if (existsSync(path) || c.manifests.length === 0) return;
  const doc = await fetchSeedShares(endpoint, c).catch(() => undefined);
  if (doc === undefined) return;
  loud(
    `this workspace has no ${path}, but this deployment has seed shares.`,
    "a seed-share owner should keep them: `contrast seed-shares` fetches them from the coordinator.",
  );
}

function loud(...lines: string[]): void {
  const bar = "!".repeat(78);
  process.stderr.write(`${bar}\n${lines.map((l) => `!! ${l}`).join("\n")}\n${bar}\n`);
}

function sameDocument(text: string, doc: SeedShareDocument): boolean {
  try {
    return JSON.stringify(parseSeedShareDocument(JSON.parse(text))) === JSON.stringify(doc);
  } catch {
    return false;
  }
}
