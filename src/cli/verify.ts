// `contrast verify`: attest the Coordinator, check its whole manifest history, write it out for auditing.

import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import type { CAC } from "cac";
import { type CommandOutput, runJsonAction } from "../command/command.ts";
import { replaceDirectory, writeFileAtomic } from "../common/atomic-file.ts";
import { constantTimeEqual, toHex } from "../common/bytes.ts";
import { sha256 } from "../common/digest.ts";
import { PolicyError, UnavailableError } from "../common/errors.ts";
import { firstManifestOwnerKeys, type OwnerChain, verifyOwnerChain } from "../manifest/owner-chain.ts";
import { parseManifest } from "../manifest/parse-manifest.ts";
import { type AttestedCoordinator, attestCoordinator } from "./attest-coordinator.ts";
import { warnIfSeedSharesMissing } from "./seed-shares.ts";
import {
  loadManifestFile,
  readUserCommandConfig,
  type UserCommandConfig,
  type UserCommandDeps,
  type UserFlags,
  userCommandDeps,
  withUserOptions,
} from "./user-commands.ts";
import { WORKSPACE_FILES } from "./workspace.ts";

export function registerVerify(cli: CAC): void {
  withUserOptions(
    cli.command("verify", "attest the Coordinator and audit its manifest history against the local manifest"),
    "expected manifest (default manifest.json)",
    true,
  )
    .example("  contrast verify -c 10.0.0.5:1313")
    .example("  contrast verify -c 10.0.0.5 -m manifest.json --json")
    .action((flags: UserFlags & { json?: boolean }) =>
      runJsonAction(flags.json, (out) =>
        runVerify(readUserCommandConfig(flags), userCommandDeps(flags, process.env), out),
      ),
    );
}

export async function runVerify(
  config: UserCommandConfig,
  deps: UserCommandDeps,
  out: CommandOutput,
): Promise<number> {
  const endpoint = config.endpoint;
  out.set("coordinator", endpoint);
  const local = loadManifestFile(config.manifestPath, deps, false);
  // The report binds the chain hash of exactly these manifests, so the history below is what the Coordinator holds.
  const c = await attestCoordinator(endpoint, local.manifest, deps);
  // Nothing is written before these checks: an earlier audit in verify/ stays as it was.
  if (c.phase === "recovery") {
    throw new UnavailableError(
      "coordinator_needs_recovery",
      "the coordinator is in recovery mode: its stored history is not unlocked by a seed yet; run contrast recover first",
    );
  }
  if (c.manifests.length === 0)
    throw new PolicyError("manifest_mismatch", "the coordinator has no manifest yet");
  const chain = await verifyOwnerChain(c.manifests, c.signatures, firstManifestOwnerKeys(c.manifests[0]!));
  const referenced = new Set(c.manifests.flatMap((m) => Object.keys(parseManifest(m).manifest.Policies)));
  for (const p of c.policies) {
    const digest = toHex(sha256(p));
    if (!referenced.has(digest)) {
      throw new PolicyError(
        "unreferenced_policy",
        `coordinator returned policy ${digest} that no manifest references`,
      );
    }
  }
  const dir = config.workspaceFile(WORKSPACE_FILES.verifyDir);
  writeAudit(dir, c);
  const newest = c.manifests[c.manifests.length - 1]!;
  const matches = constantTimeEqual(newest, local.raw);
  out.set("coordinatorPolicy", c.coordinatorPolicy);
  out.set("manifests", c.manifests.length);
  out.set("latestTransition", toHex(c.latestTransition));
  out.set("firstManifestSignatureChecked", chain.firstChecked);
  out.set("matchesLocalManifest", matches);
  out.set("outputDir", dir);
  printSummary(c, chain, dir, out);
  await warnIfSeedSharesMissing(endpoint, c, config.workspaceFile(WORKSPACE_FILES.seedShares));
  if (!matches) {
    throw new PolicyError(
      "manifest_mismatch",
      `the coordinator's newest manifest (${toHex(sha256(newest))}) differs from ${local.path} (${toHex(sha256(local.raw))})`,
    );
  }
  out.print(`the newest manifest is byte-identical to ${local.path}\n`);
  return 0;
}

/** The whole audit is written into a fresh directory that then replaces verify/ (never a half-written mix). */
function writeAudit(dir: string, c: AttestedCoordinator): void {
  mkdirSync(dirname(dir) || ".", { recursive: true });
  const fresh = `${dir}.new-${process.pid}-${Math.random().toString(16).slice(2)}`;
  const put = (name: string, data: string | Uint8Array) =>
    writeFileAtomic(join(fresh, name), data, { mkdirs: true });
  put(WORKSPACE_FILES.coordinatorRootCa, c.rootCA);
  put(WORKSPACE_FILES.meshCa, c.meshCA);
  for (const [i, m] of c.manifests.entries()) {
    put(`manifest.${i}.json`, m);
    put(`manifest.${i}.sig`, c.signatures[i]!);
  }
  for (const p of c.policies) put(`initdata.${toHex(sha256(p))}.toml`, p);
  put("latest-transition", `${toHex(c.latestTransition)}\n`);
  replaceDirectory(fresh, dir);
}

function printSummary(c: AttestedCoordinator, chain: OwnerChain, dir: string, out: CommandOutput): void {
  out.print(
    `coordinator attested: policy ${c.coordinatorPolicy}, ${c.manifests.length} manifest(s) in history\n`,
  );
  out.print(
    chain.firstChecked
      ? "every transition is signed by a workload owner (the first by an owner the first manifest lists)\n"
      : "every update is signed by a workload owner; the first manifest lists no owner, so its signature can only be checked by the pods against the key pinned in their initdata\n",
  );
  out.print(`history written to ${dir}\n`);
}
