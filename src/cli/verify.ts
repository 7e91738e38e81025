// `contrast verify`: attest the Coordinator, check its whole manifest history, write it out for auditing.

import { join } from "node:path";
import type { CAC } from "cac";
import { writeFileAtomic } from "../common/atomic-file.ts";
import { constantTimeEqual, toHex } from "../common/bytes.ts";
import { PolicyError } from "../common/errors.ts";
import { sha256Bytes } from "../crypto/transition.ts";
import { parseManifest } from "../manifest/parse-manifest.ts";
import { attestCoordinator } from "./attest-coordinator.ts";
import { createCliVerifier } from "./cli-verifier.ts";
import { runAction } from "./command.ts";
import {
  contextFor,
  loadManifestFile,
  requireEndpoint,
  type UserFlags,
  workspacePath,
} from "./user-commands.ts";
import { WORKSPACE_FILES } from "./workspace.ts";

export function registerVerify(cli: CAC): void {
  cli
    .command("verify", "attest the Coordinator and audit its manifest history against the local manifest")
    .option("-c, --coordinator <host:port>", "the Coordinator's user API (port 1313)")
    .option("-m, --manifest <file>", "expected manifest (default manifest.json)")
    .option("--workspace-dir <dir>", "prefix for defaulted file paths")
    .option("--json", "print a JSON summary to stdout")
    .action((flags: UserFlags & { json?: boolean }) => runAction(() => verifyCoordinator(flags)));
}

async function verifyCoordinator(flags: UserFlags & { json?: boolean }): Promise<number> {
  const ctx = contextFor(flags);
  const endpoint = requireEndpoint(flags);
  const local = loadManifestFile(workspacePath(flags, flags.manifest, WORKSPACE_FILES.manifest), ctx, false);
  const verifier = createCliVerifier(process.env);
  // The report binds the chain hash of exactly these manifests, so the history below is what the Coordinator holds.
  const c = await attestCoordinator(endpoint, local.manifest, { verifier, log: ctx.log });
  const dir = workspacePath(flags, undefined, WORKSPACE_FILES.verifyDir);
  writeFileAtomic(join(dir, WORKSPACE_FILES.coordinatorRootCa), c.rootCA, { mkdirs: true });
  writeFileAtomic(join(dir, WORKSPACE_FILES.meshCa), c.meshCA, { mkdirs: true });
  const referenced = new Set<string>();
  for (const [i, m] of c.manifests.entries()) {
    writeFileAtomic(join(dir, `manifest.${i}.json`), m, { mkdirs: true });
    for (const d of Object.keys(parseManifest(m).manifest.Policies)) referenced.add(d);
  }
  for (const p of c.policies) {
    const digest = toHex(sha256Bytes(p));
    if (!referenced.has(digest)) {
      throw new PolicyError(
        "unreferenced_policy",
        `coordinator returned policy ${digest} that no manifest references`,
      );
    }
    writeFileAtomic(join(dir, `initdata.${digest}.toml`), p, { mkdirs: true });
  }
  writeFileAtomic(join(dir, "latest-transition"), `${toHex(c.latestTransition)}\n`, { mkdirs: true });
  const newest = c.manifests[c.manifests.length - 1];
  const matches = newest !== undefined && constantTimeEqual(newest, local.raw);
  const summary = {
    coordinator: endpoint,
    coordinatorPolicy: c.coordinatorPolicy,
    manifests: c.manifests.length,
    latestTransition: toHex(c.latestTransition),
    matchesLocalManifest: matches,
    outputDir: dir,
  };
  if (flags.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else {
    process.stdout.write(
      `coordinator attested: policy ${c.coordinatorPolicy}, ${c.manifests.length} manifest(s) in history\n`,
    );
    process.stdout.write(`history written to ${dir}\n`);
  }
  if (!matches) {
    throw new PolicyError(
      "manifest_mismatch",
      newest === undefined
        ? "the coordinator has no manifest yet"
        : `the coordinator's newest manifest (${toHex(sha256Bytes(newest))}) differs from ${local.path} (${toHex(sha256Bytes(local.raw))})`,
    );
  }
  if (!flags.json) process.stdout.write(`the newest manifest is byte-identical to ${local.path}\n`);
  return 0;
}
