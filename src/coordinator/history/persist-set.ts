// Writes one accepted manifest set to the history store, crash-safe and all-or-nothing (edgelesssys/contrast internal/history, issue 15 §2).
//
// Order: journal (`pending`) → policies → manifest → transition → owner signature → seed-share document (first set)
// → `latest` (compare-and-set; this is the commit) → journal removed. A crash before `latest` leaves only journaled
// entries, which the next start sweeps (sweep.ts); a storage failure removes them at once and answers
// `storage_unavailable`. Either way the history on disk is the one before the set.

import { ApiError } from "../../api/errors.ts";
import { constantTimeEqual } from "../../common/bytes.ts";
import { sha256 } from "../../common/digest.ts";
import { ContrastError } from "../../common/errors.ts";
import { signLatestTransition, ZERO_HASH } from "../../crypto/transition.ts";
import { asStorageError } from "../storage-error.ts";
import type { HistoryStore } from "./history-store.ts";
import { sweepInterruptedWrites } from "./sweep.ts";

export interface SetToPersist {
  readonly manifest: Uint8Array;
  readonly policies: readonly Uint8Array[];
  readonly transition: Uint8Array;
  readonly previous: Uint8Array;
  readonly ownerSignature: Uint8Array;
  /** The seed-derived key that signs `latest`. */
  readonly signingKey: CryptoKey;
  /** JSON of the seed-share document, first set only. */
  readonly seedShares?: Uint8Array;
}

export async function persistSet(store: HistoryStore, stateDir: string, set: SetToPersist): Promise<void> {
  const first = constantTimeEqual(set.previous, ZERO_HASH);
  const latestSignature = await signLatestTransition(set.signingKey, set.transition);
  try {
    store.beginWrite({
      transition: set.transition,
      manifest: sha256(set.manifest),
      policies: set.policies.map(sha256),
    });
    for (const p of set.policies) store.putPolicy(p);
    const manifestHash = store.putManifest(set.manifest);
    const stored = store.putTransition(manifestHash, set.previous);
    if (!constantTimeEqual(stored, set.transition))
      throw new Error("transition hash mismatch (store and protocol disagree)");
    // Before `latest` moves: a history whose head has no owner signature would be refused by every Initializer.
    store.putOwnerSignature(set.transition, set.ownerSignature);
    // With the history, before it is acknowledged: a lost reply must not lose the shares (issue 15 §2).
    if (set.seedShares !== undefined) store.putSeedShares(set.seedShares);
    await store.setLatest(
      { transitionHash: set.transition, signature: latestSignature },
      first ? undefined : set.previous,
    );
  } catch (e) {
    abandon(store, stateDir);
    if (e instanceof ContrastError && e.code === "manifest_conflict")
      throw new ApiError("manifest_conflict", e.message);
    throw asStorageError(e, "the new manifest");
  }
  try {
    store.endWrite();
  } catch {
    // The set is committed; a journal left behind names a transition in the chain and is removed at next start.
  }
}

/** Best effort: remove what the failed set wrote (on a read-only volume nothing was written, and nothing can be). */
function abandon(store: HistoryStore, stateDir: string): void {
  try {
    sweepInterruptedWrites(stateDir, store);
  } catch {
    // The next start sweeps again.
  }
}
