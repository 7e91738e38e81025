// What an interrupted write leaves in the state directory, removed at start (issue 15 §2): temp files of atomic
// writes, and the entries of a set that was journaled (`pending`) but never became `latest`.
//
// Only the journaled transition is swept. A transition that is not in the chain and not journaled may be the newer
// history of a rolled-back `latest` (issue 10 §2): it stays, so the operator can restore the right head. The journal
// is no new power for whoever writes the volume: they could delete these entries themselves.

import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { constantTimeEqual, toHex } from "../../common/bytes.ts";
import { isContrastError } from "../../common/errors.ts";
import { parseManifest } from "../../manifest/parse-manifest.ts";
import { storageErrno } from "../storage-error.ts";
import type { HistoryStore, PendingWrite } from "./history-store.ts";

/** Temp names of src/common/atomic-file.ts: `.<name>.<pid>.<hex>.tmp`. */
const TEMP_NAME = /^\..+\.\d+\.[0-9a-f]*\.tmp$/;
const KIND_DIRS = ["manifests", "policies", "transitions", "signatures"] as const;

export interface SweepReport {
  /** Paths removed, relative to the state directory (temp files under their directory). */
  readonly removed: string[];
  /** Paths that could not be removed (a read-only volume) with the errno: they are harmless until then. */
  readonly kept: string[];
}

/**
 * Removes temp files under `stateDir` and the history, then the entries of a journaled set that `latest` does not
 * name. A history too damaged to walk is left alone: reading it at start reports the damage.
 */
export function sweepInterruptedWrites(stateDir: string, store: HistoryStore): SweepReport {
  const removed: string[] = [];
  const kept: string[] = [];
  /** Removes one file; a volume that refuses (EROFS, EACCES …) keeps it, and the next start tries again. */
  const remove = (name: string, rm: () => void) => {
    try {
      rm();
      removed.push(name);
    } catch (e) {
      const code = storageErrno(e);
      if (code === undefined) throw e;
      kept.push(`${name} (${code})`);
    }
  };
  for (const [dir, label] of [
    [stateDir, "."],
    [store.dir, "history"],
    ...KIND_DIRS.map((k) => [join(store.dir, k), `history/${k}`] as const),
  ] as const) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      if (!TEMP_NAME.test(name)) continue;
      remove(`${label}/${name}`, () => rmSync(join(dir, name), { force: true }));
    }
  }
  const pending = store.pendingWrite();
  if (pending !== undefined) {
    const swept = sweepPending(store, pending);
    if (swept === undefined) return { removed, kept }; // damaged history: keep everything for the start check
    for (const [name, rm] of swept) remove(name, rm);
    if (kept.length > 0) return { removed, kept }; // the journal stays until its entries are gone
  }
  // Also a journal too short to name anything (cut off while being written).
  if (existsSync(join(store.dir, "pending"))) remove("history/pending", () => store.endWrite());
  return { removed, kept };
}

/** The removals that undo a journaled write `latest` does not name, or undefined when the history cannot be walked. */
function sweepPending(store: HistoryStore, pending: PendingWrite): [string, () => void][] | undefined {
  let chain: ReturnType<HistoryStore["walk"]>;
  try {
    const latest = store.getLatest();
    chain = latest === undefined ? [] : store.walk(latest.transitionHash);
  } catch (e) {
    if (isContrastError(e)) return undefined;
    throw e;
  }
  if (chain.some((e) => constantTimeEqual(e.transitionHash, pending.transition))) return [];
  const manifests = new Set(chain.map((e) => toHex(e.manifestHash)));
  const policies = new Set(chain.flatMap((e) => policyDigests(e.manifest)));
  const removed: [string, () => void][] = [];
  const drop = (kind: (typeof KIND_DIRS)[number], hash: Uint8Array) => {
    if (!existsSync(join(store.dir, kind, toHex(hash)))) return;
    removed.push([`history/${kind}/${toHex(hash)}`, () => store.remove(kind, hash)]);
  };
  drop("signatures", pending.transition);
  drop("transitions", pending.transition);
  if (!manifests.has(toHex(pending.manifest))) drop("manifests", pending.manifest);
  for (const p of pending.policies) if (!policies.has(toHex(p))) drop("policies", p);
  if (chain.length === 0 && existsSync(join(store.dir, "seed-shares.json"))) {
    // An interrupted first set: its seed-share document was never acknowledged either.
    removed.push(["history/seed-shares.json", () => store.removeSeedShares()]);
  }
  return removed;
}

function policyDigests(manifest: Uint8Array): string[] {
  try {
    return Object.keys(parseManifest(manifest).manifest.Policies);
  } catch {
    return [];
  }
}
