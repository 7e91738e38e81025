// The Coordinator's state machine (reference §3.4): uninitialized → ready ⇄ recovery, and the operations on it.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ApiError } from "../api/errors.ts";
import { writeFileAtomic } from "../common/atomic-file.ts";
import { constantTimeEqual, fromHex, toHex } from "../common/bytes.ts";
import { ContrastError } from "../common/errors.ts";
import { type CertificateAuthority, createCertificateAuthority } from "../crypto/ca.ts";
import { generateEcKeyPair } from "../crypto/keys.ts";
import type { RandomSource } from "../crypto/random.ts";
import { createSeedEngine, type SeedEngine } from "../crypto/seed-engine.ts";
import { createSeedShareDocument, type SeedShareDocument } from "../crypto/seedshare.ts";
import {
  computeTransitionHash,
  signLatestTransition,
  verifyLatestTransition,
  ZERO_HASH,
} from "../crypto/transition.ts";
import { parseManifest } from "../manifest/parse-manifest.ts";
import type { Manifest } from "../manifest/types.ts";
import type { HistoryStore } from "./history/history-store.ts";
import { createMutex } from "./history/mutex.ts";
import { readStoredHistory, type StoredHistory } from "./history/stored-history.ts";
import {
  authorizeFirstManifest,
  authorizeUpdate,
  checkPolicies,
  mergePolicies,
  parseOrReject,
} from "./manifest-update.ts";
import { loadRootIfOurs } from "./root-ca.ts";

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
}

export interface SetManifestInput {
  manifest: Uint8Array;
  policies: Uint8Array[];
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

const ROOT_CA_FILE = "root-ca.pem";

export class CoordinatorState {
  private active: Active | undefined;
  private readonly stored: StoredHistory | undefined;
  private phaseValue: Phase;
  private readonly lock = createMutex();

  /** Throws VerificationError `history_corrupt` for a state dir whose history cannot be read back as one chain. */
  constructor(private readonly deps: StateDeps) {
    this.stored = readStoredHistory(deps.store);
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

  /** POST /v1/manifest (reference §3.5), serialized so concurrent updates never interleave. */
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
    await this.persist(input.manifest, policies, transition, currentLatest, seed, signature);
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

  private async persist(
    manifest: Uint8Array,
    policies: Uint8Array[],
    transition: Uint8Array,
    previous: Uint8Array,
    seed: SeedEngine,
    ownerSignature: Uint8Array,
  ): Promise<void> {
    const { store } = this.deps;
    for (const p of policies) store.putPolicy(p);
    const manifestHash = store.putManifest(manifest);
    const stored = store.putTransition(manifestHash, previous);
    if (!constantTimeEqual(stored, transition))
      throw new Error("transition hash mismatch (store and protocol disagree)");
    // Before `latest` moves: a history whose head has no owner signature would be refused by every Initializer.
    store.putOwnerSignature(transition, ownerSignature);
    const signature = await signLatestTransition(seed.transactionSigningKey.privateKey, transition);
    try {
      await store.setLatest(
        { transitionHash: transition, signature },
        constantTimeEqual(previous, ZERO_HASH) ? undefined : previous,
      );
    } catch (e) {
      if (e instanceof ContrastError && e.code === "manifest_conflict")
        throw new ApiError("manifest_conflict", e.message);
      throw e;
    }
  }

  /**
   * POST /v1/recover (reference §3.9): the seed proves itself by re-deriving the key that signed `latest`.
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
      if (!ok)
        throw new ApiError("invalid_seed", "seed does not derive the key that signed the latest transition");
      const manifests = stored.manifests;
      const policies: Uint8Array[] = [];
      for (const m of manifests) {
        for (const digest of Object.keys(parseManifest(m).manifest.Policies)) {
          policies.push(this.deps.store.getPolicy(fromHex(digest, "policy digest", 32)));
        }
      }
      const ca = await this.buildCa(seed);
      this.active = {
        seed,
        manifest: stored.newest,
        manifests,
        signatures: stored.signatures,
        policies: mergePolicies([], policies),
        latestTransition: latest.transitionHash,
        ca,
      };
      this.phaseValue = "ready";
    });
  }

  /**
   * New random mesh CA key per manifest or recovery; the root CA key comes from the seed. The root certificate is
   * kept in the state dir (it is public) and reused when it is self-signed by the derived key, so the root CA PEM
   * an auditor saved stays byte-identical across updates and restarts.
   */
  private async buildCa(seed: SeedEngine): Promise<CertificateAuthority> {
    const ctx = { now: this.deps.now(), random: this.deps.random };
    const ca = await createCertificateAuthority(seed.rootCAKey, await generateEcKeyPair("P-384"), ctx);
    const path = join(this.deps.stateDir, ROOT_CA_FILE);
    const stored = existsSync(path) ? await loadRootIfOurs(readFileSync(path, "utf8"), seed) : undefined;
    if (stored) return { ...ca, rootCA: stored.cert, rootCAPem: stored.pem };
    writeFileAtomic(path, ca.rootCAPem, { mode: 0o644 });
    return ca;
  }
}
