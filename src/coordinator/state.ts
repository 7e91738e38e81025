// The Coordinator's state machine (edgelesssys/contrast coordinator/internal/stateguard): uninitialized → ready ⇄ recovery, and the operations on it.

import { ApiError } from "../api/errors.ts";
import { constantTimeEqual, fromHex, toHex, utf8 } from "../common/bytes.ts";
import type { Logger } from "../common/log.ts";
import type { CertificateAuthority } from "../crypto/ca.ts";
import type { RandomSource } from "../crypto/random.ts";
import { createSeedEngine, type SeedEngine } from "../crypto/seed-engine.ts";
import {
  createSeedShareDocument,
  parseSeedShareDocument,
  type SeedShareDocument,
} from "../crypto/seedshare.ts";
import { computeTransitionHash, verifyLatestTransition, ZERO_HASH } from "../crypto/transition.ts";
import type { Manifest } from "../manifest/schema.ts";
import type { HistoryStore } from "./history/history-store.ts";
import { createMutex } from "./history/mutex.ts";
import { persistSet } from "./history/persist-set.ts";
import { readStoredHistory, type StoredHistory } from "./history/stored-history.ts";
import { type SweepReport, sweepInterruptedWrites } from "./history/sweep.ts";
import {
  authorizeFirstManifest,
  authorizeUpdate,
  checkPolicies,
  mergePolicies,
  parseOrReject,
} from "./manifest-update.ts";
import { buildCertificateAuthority, rootCaVerdict } from "./root-ca.ts";
import { asStorageError, storageErrno } from "./storage-error.ts";

export type Phase = "uninitialized" | "recovery" | "ready";

/** Everything that exists only in memory while the Coordinator is ready. */
interface Active {
  seed: SeedEngine;
  manifest: Manifest;
  manifests: Uint8Array[]; // oldest → newest, exact bytes
  signatures: Uint8Array[]; // owner signature of each transition, same order
  policies: Uint8Array[]; // every policy referenced by any manifest in the history
  latestTransition: Uint8Array;
  ca: CertificateAuthority;
}

export interface StateDeps {
  store: HistoryStore;
  stateDir: string;
  now: () => Date;
  random: RandomSource;
  /** Warnings about the state dir that do not stop the Coordinator (a root-ca.pem it could not rewrite). */
  log?: Logger;
}

export interface SetManifestInput {
  manifest: Uint8Array;
  policies: readonly Uint8Array[];
  previousTransition: Uint8Array;
  signature?: Uint8Array;
}

export interface Snapshot {
  phase: Phase;
  manifests: Uint8Array[];
  /** Owner signature per transition, same order as `manifests`. */
  signatures: Uint8Array[];
  policies: Uint8Array[];
  latestTransition: Uint8Array;
  rootCA: string;
  meshCA: string;
}

export class CoordinatorState {
  private active: Active | undefined;
  private phaseValue: Phase;
  private readonly lock = createMutex();

  /**
   * Sweeps what an interrupted write left, then reads and checks the stored history (stored-history.ts). Throws
   * VerificationError `history_corrupt` naming the file for a state dir whose history does not check out.
   */
  static async open(deps: StateDeps): Promise<CoordinatorState> {
    const swept = sweepInterruptedWrites(deps.stateDir, deps.store);
    return new CoordinatorState(deps, await readStoredHistory(deps.store), swept);
  }

  private constructor(
    private readonly deps: StateDeps,
    private readonly stored: StoredHistory | undefined,
    /** What the start swept, for the log. */
    readonly swept: SweepReport,
  ) {
    // A stored history without in-memory secrets means a restart: only recovery can unlock it.
    this.phaseValue = this.stored === undefined ? "uninitialized" : "recovery";
  }

  /** The newest manifest: the active one, or in recovery the newest stored one (not yet proven by the seed). */
  get manifest(): Manifest | undefined {
    return this.active?.manifest ?? this.stored?.newest;
  }

  get phase(): Phase {
    return this.phaseValue;
  }

  get generation(): number {
    return this.active?.manifests.length ?? 0;
  }

  /** Ready state or the API error that explains why not. */
  requireReady(): Active {
    if (this.phaseValue === "recovery")
      throw new ApiError("needs_recovery", "coordinator is in recovery mode");
    if (!this.active) throw new ApiError("no_manifest", "no manifest configured");
    return this.active;
  }

  snapshot(): Snapshot {
    const a = this.phaseValue === "ready" ? this.active : undefined;
    if (a === undefined && this.phaseValue === "recovery" && this.stored) {
      const s = this.stored;
      const base = { rootCA: "", meshCA: "", policies: [] };
      return {
        ...base,
        phase: "recovery",
        manifests: s.manifests,
        signatures: s.signatures,
        latestTransition: s.latest.transitionHash,
      };
    }
    return {
      phase: this.phaseValue,
      manifests: a?.manifests ?? [],
      signatures: a?.signatures ?? [],
      policies: a?.policies ?? [],
      latestTransition: a?.latestTransition ?? ZERO_HASH,
      rootCA: a?.ca.rootCAPem ?? "",
      meshCA: a?.ca.meshCAPem ?? "",
    };
  }

  /** POST /v1/manifest (edgelesssys/contrast coordinator/internal/userapi (SetManifest)), serialized so concurrent updates never interleave. */
  setManifest(
    input: SetManifestInput,
  ): Promise<{ rootCA: string; meshCA: string; seedShares?: SeedShareDocument }> {
    return this.lock.runExclusive(() => this.setManifestLocked(input));
  }

  private async setManifestLocked(input: SetManifestInput) {
    if (this.phaseValue === "recovery")
      throw new ApiError("needs_recovery", "coordinator is in recovery mode");
    const manifest = parseOrReject(input.manifest);
    const policies = checkPolicies(manifest, input.policies);
    const current = this.active;
    const currentLatest = current?.latestTransition ?? ZERO_HASH;
    if (!constantTimeEqual(input.previousTransition, currentLatest)) {
      throw new ApiError(
        "manifest_conflict",
        `previousTransition: expected ${toHex(currentLatest)}, got ${toHex(input.previousTransition)}`,
      );
    }
    const transition = computeTransitionHash(input.manifest, currentLatest);
    let seed: SeedEngine;
    let seedShares: SeedShareDocument | undefined;
    const signature = current
      ? await authorizeUpdate(current.manifest, manifest, transition, input.signature)
      : await authorizeFirstManifest(manifest, transition, input.signature);
    if (current) {
      seed = current.seed;
    } else {
      const s = this.deps.random(64);
      const salt = this.deps.random(32);
      seed = await createSeedEngine(s, salt);
      seedShares = await createSeedShareDocument(
        manifest.SeedshareOwnerPubKeys.map((h, i) => fromHex(h, `SeedshareOwnerPubKeys[${i}]`)),
        s,
        salt,
      );
    }
    const ca = await this.buildCa(seed);
    await persistSet(this.deps.store, this.deps.stateDir, {
      manifest: input.manifest,
      policies,
      transition,
      previous: currentLatest,
      ownerSignature: signature,
      signingKey: seed.transactionSigningKey.privateKey,
      ...(seedShares ? { seedShares: utf8(`${JSON.stringify(seedShares, null, 2)}\n`) } : {}),
    });
    const prev = current ?? { manifests: [], signatures: [], policies: [] };
    this.active = {
      seed,
      manifest,
      manifests: [...prev.manifests, input.manifest],
      signatures: [...prev.signatures, signature],
      policies: mergePolicies(prev.policies, policies),
      latestTransition: transition,
      ca,
    };
    this.phaseValue = "ready";
    return { rootCA: ca.rootCAPem, meshCA: ca.meshCAPem, ...(seedShares ? { seedShares } : {}) };
  }

  /**
   * POST /v1/recover (edgelesssys/contrast coordinator/internal/userapi (Recover)): the seed proves itself by re-deriving the key that signed `latest`.
   * `expectedLatest` is the head the client saw in recovery-mode `/v1/attest` and checked against its workspace.
   */
  recover(seedBytes: Uint8Array, salt: Uint8Array, expectedLatest: Uint8Array): Promise<void> {
    return this.lock.runExclusive(async () => {
      if (this.phaseValue !== "recovery")
        throw new ApiError("already_recovered", "coordinator is not in recovery mode");
      const stored = this.stored;
      if (!stored) throw new ApiError("no_manifest", "state directory has no history to recover");
      const latest = stored.latest;
      if (!constantTimeEqual(expectedLatest, latest.transitionHash)) {
        throw new ApiError(
          "manifest_conflict",
          `latestTransition: expected ${toHex(latest.transitionHash)}, got ${toHex(expectedLatest)}`,
        );
      }
      let seed: SeedEngine;
      try {
        seed = await createSeedEngine(seedBytes, salt);
      } catch (e) {
        throw new ApiError("invalid_argument", e instanceof Error ? e.message : "invalid seed");
      }
      const ok = await verifyLatestTransition(
        seed.transactionSigningKey.publicKey,
        latest.transitionHash,
        latest.signature,
      );
      if (!ok) throw await this.latestRefused(seed);
      const ca = await this.buildCa(seed);
      this.active = {
        seed,
        manifest: stored.newest,
        manifests: stored.manifests,
        signatures: stored.signatures,
        policies: mergePolicies([], stored.policies),
        latestTransition: latest.transitionHash,
        ca,
      };
      this.phaseValue = "ready";
    });
  }

  /**
   * Why `latest`'s signature does not verify under the seed's key. Never blames the seed for damaged state: when the
   * stored root CA proves the seed right, `latest` is damaged (history_corrupt); when it proves the seed wrong, the
   * seed is (invalid_seed); when it cannot tell, the message says both.
   */
  private async latestRefused(seed: SeedEngine): Promise<ApiError> {
    const verdict = await rootCaVerdict(this.deps.stateDir, seed);
    if (verdict === "ours") {
      return new ApiError(
        "history_corrupt",
        "transitions/latest: expected a signature by the key this seed derives, got another; the seed matches root-ca.pem, so the stored head is damaged (restore transitions/latest from a backup)",
      );
    }
    return new ApiError(
      "invalid_seed",
      verdict === "foreign"
        ? "seed does not derive the key that signed the latest transition, nor the root CA in root-ca.pem: wrong seed or seed share"
        : "seed does not derive the key that signed the latest transition: wrong seed, or transitions/latest is damaged (root-ca.pem is missing or damaged, so it cannot tell which)",
    );
  }

  /** The stored seed-share document (encrypted to its owners), for a client whose reply to the first set was lost. */
  seedShares(): SeedShareDocument {
    if (this.phaseValue === "uninitialized")
      throw new ApiError("no_manifest", "no manifest configured: no seed shares yet");
    let doc: Uint8Array | undefined;
    try {
      doc = this.deps.store.getSeedShares();
      if (doc !== undefined) return parseSeedShareDocument(JSON.parse(new TextDecoder().decode(doc)));
    } catch (e) {
      if (storageErrno(e) !== undefined) throw asStorageError(e, "seed-shares.json");
      throw new ApiError(
        "history_corrupt",
        "seed-shares.json: expected a seed-share document, got damaged content",
      );
    }
    throw new ApiError(
      "no_seed_shares",
      "seed-shares.json: the stored history holds no seed-share document (set before they were stored)",
    );
  }

  /** Root CA derived from the seed (stable across updates, restarts and a lost root-ca.pem); new mesh CA key. */
  private buildCa(seed: SeedEngine): Promise<CertificateAuthority> {
    const ctx = { now: this.deps.now(), random: this.deps.random };
    return buildCertificateAuthority(seed, this.deps.stateDir, ctx, this.deps.log);
  }
}
