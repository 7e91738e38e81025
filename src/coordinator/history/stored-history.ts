// The history a restarted Coordinator finds on disk, read once at start (issue 10 §2): recovery-mode `/v1/attest`
// shows exactly this (unverified: only the seed can check `latest`), and `recover` unlocks exactly this.

import { VerificationError } from "../../common/errors.ts";
import { parseManifest } from "../../manifest/parse-manifest.ts";
import type { Manifest } from "../../manifest/types.ts";
import type { HistoryStore, LatestTransition } from "./history-store.ts";

export interface StoredHistory {
  readonly latest: LatestTransition;
  readonly manifests: Uint8Array[];
  readonly signatures: Uint8Array[];
  readonly newest: Manifest;
}

/**
 * The stored history, or undefined for a state dir that never had one. Throws VerificationError `history_corrupt`
 * for history without `latest`: starting empty there would let whoever deleted `latest` install a new first
 * manifest and seed over the old deployment's history; only the operator may decide that, by moving the dir away.
 */
export function readStoredHistory(store: HistoryStore): StoredHistory | undefined {
  const latest = store.getLatest();
  if (latest === undefined) {
    if (!store.hasEntries()) return undefined;
    throw new VerificationError(
      "history_corrupt",
      "transitions/latest: expected the head of the stored history, got none; refusing to start empty over an existing history (restore latest, or move the state directory away to start a new deployment)",
    );
  }
  const chain = store.walk(latest.transitionHash);
  const last = chain[chain.length - 1];
  if (last === undefined)
    throw new VerificationError(
      "history_corrupt",
      "transitions/latest: expected a transition, got the zero hash",
    );
  return {
    latest,
    manifests: chain.map((e) => e.manifest),
    signatures: chain.map((e) => e.ownerSignature),
    newest: parseManifest(last.manifest).manifest,
  };
}
