// Content-addressed manifest history in the Coordinator's state directory (edgelesssys/contrast internal/history).
//
// Layout under `dir`:
//   manifests/<hex sha256>    manifest bytes          policies/<hex sha256>  policy (initdata) document bytes
//   transitions/<hex sha256>  64 bytes = manifest hash ‖ previous transition hash (zeros for the first)
//   transitions/latest        transition hash (32) ‖ DER signature by the transaction signing key
//   signatures/<transition>   DER workload-owner signature authorising that transition (written before `latest` moves)
//   pending                   transition ‖ manifest ‖ policy hashes (32 bytes each) of a set being written; removed
//                             once `latest` names it, so one left at start lists what an interrupted set wrote
//                             (src/coordinator/history/sweep.ts)
//   seed-shares.json          the seed-share document of the first set, encrypted to its owners (issue 15 §2)
// Every write is atomic (temp, fsync, rename, fsync dir). Every content-addressed read re-hashes the content.
// `latest` is returned unverified: callers verify its signature with the seed-derived signing key.

import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fsyncDir, writeFileAtomic } from "../../common/atomic-file.ts";
import { concatBytes, constantTimeEqual, isAllZero, toHex } from "../../common/bytes.ts";
import { sha256 } from "../../common/digest.ts";
import { ParseError, PolicyError, VerificationError } from "../../common/errors.ts";
import { encodeTransition, ZERO_HASH } from "../../crypto/transition.ts";
import { createMutex } from "./mutex.ts";

export interface LatestTransition {
  readonly transitionHash: Uint8Array;
  readonly signature: Uint8Array;
}

export interface HistoryEntry {
  readonly transitionHash: Uint8Array;
  readonly manifestHash: Uint8Array;
  readonly previousTransitionHash: Uint8Array;
  readonly manifest: Uint8Array;
  /** The workload-owner signature over `transitionHash` (unverified here: clients check it against owner keys). */
  readonly ownerSignature: Uint8Array;
}

export interface PendingWrite {
  readonly transition: Uint8Array;
  readonly manifest: Uint8Array;
  readonly policies: readonly Uint8Array[];
}

export interface HistoryStore {
  /** The store's directory. */
  readonly dir: string;
  putManifest(bytes: Uint8Array): Uint8Array;
  getManifest(hash: Uint8Array): Uint8Array;
  putPolicy(bytes: Uint8Array): Uint8Array;
  getPolicy(hash: Uint8Array): Uint8Array;
  hasPolicy(hash: Uint8Array): boolean;
  /** Stores the transition and returns its hash. */
  putTransition(manifestHash: Uint8Array, previousTransitionHash: Uint8Array): Uint8Array;
  getTransition(hash: Uint8Array): { manifestHash: Uint8Array; previousTransitionHash: Uint8Array };
  /** Stores the owner signature of a transition (atomic; the caller writes it before `setLatest`). */
  putOwnerSignature(transitionHash: Uint8Array, signature: Uint8Array): void;
  getOwnerSignature(transitionHash: Uint8Array): Uint8Array;
  /** True when any manifest, transition or signature is stored, whether or not `latest` exists. */
  hasEntries(): boolean;
  getLatest(): LatestTransition | undefined;
  /**
   * Compare-and-set of `transitions/latest`: succeeds only if the current latest transition hash equals
   * `expectedOld` (undefined = no latest yet). Otherwise PolicyError `manifest_conflict` and nothing changes.
   */
  setLatest(next: LatestTransition, expectedOld: Uint8Array | undefined): Promise<void>;
  /** The chain ending at `latestHash`, oldest → newest, every link hash-checked. */
  walk(latestHash: Uint8Array): HistoryEntry[];
  /** Journals the entries about to be written (before any of them). */
  beginWrite(write: PendingWrite): void;
  /** Clears the journal once `latest` names the transition (or its entries are removed again). */
  endWrite(): void;
  /** The journaled write, or undefined; a journal that is not whole hashes reads as undefined. */
  pendingWrite(): PendingWrite | undefined;
  /** Removes one stored entry (sweeping an interrupted write); a missing entry is no error. */
  remove(kind: "manifests" | "policies" | "transitions" | "signatures", hash: Uint8Array): void;
  putSeedShares(bytes: Uint8Array): void;
  getSeedShares(): Uint8Array | undefined;
  removeSeedShares(): void;
}

const KINDS = ["manifests", "policies", "transitions", "signatures"] as const;
type Kind = (typeof KINDS)[number];
const MAX_SIGNATURE = 160;
/** Seed-share documents hold one RSA-4096 share (~700 bytes of JSON) per owner. */
const MAX_SEED_SHARES = 4 * 1024 * 1024;
/** Names of stored entries: a lowercase hex SHA-256 (temp files of atomic writes start with a dot). */
const ENTRY_NAME = /^[0-9a-f]{64}$/;
/** Guards against cycles or absurd histories in a tampered state directory. */
const MAX_CHAIN = 100_000;

export function createHistoryStore(dir: string): HistoryStore {
  for (const k of KINDS) mkdirSync(join(dir, k), { recursive: true, mode: 0o700 });
  const mutex = createMutex();
  const path = (kind: Kind, hash: Uint8Array) => join(dir, kind, toHex(checkHash(hash)));
  const latestPath = join(dir, "transitions", "latest");
  const pendingPath = join(dir, "pending");
  const seedSharesPath = join(dir, "seed-shares.json");
  // Only existing files: on a read-only volume even removing a missing file fails (EROFS).
  const removeFile = (p: string) => {
    if (!existsSync(p)) return;
    rmSync(p, { force: true });
    fsyncDir(join(p, ".."));
  };

  const put = (kind: Kind, bytes: Uint8Array): Uint8Array => {
    const hash = sha256(bytes);
    const p = path(kind, hash);
    if (!existsSync(p) || !constantTimeEqual(sha256(readFileSync(p)), hash)) {
      writeFileAtomic(p, bytes, { mode: 0o600 });
    }
    return hash;
  };

  const get = (kind: Kind, hash: Uint8Array): Uint8Array => {
    const p = path(kind, hash);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(readFileSync(p));
    } catch {
      throw new VerificationError(
        "history_not_found",
        `${kind}/${toHex(hash)}: expected stored entry, got none`,
        {
          field: kind,
        },
      );
    }
    if (!constantTimeEqual(sha256(bytes), hash)) {
      throw new VerificationError(
        "history_corrupt",
        `${kind}/${toHex(hash)}: expected content with this sha-256, got ${toHex(sha256(bytes))}`,
        { field: kind },
      );
    }
    return bytes;
  };

  const getTransition = (hash: Uint8Array) => {
    const b = get("transitions", hash);
    if (b.length !== 64) {
      throw new VerificationError(
        "history_corrupt",
        `transitions/${toHex(hash)}: expected 64 bytes, got ${b.length}`,
      );
    }
    return { manifestHash: b.slice(0, 32), previousTransitionHash: b.slice(32) };
  };

  const getLatest = (): LatestTransition | undefined => {
    if (!existsSync(latestPath)) return undefined;
    const b = new Uint8Array(readFileSync(latestPath));
    if (b.length < 32 + 8 || b.length > 32 + MAX_SIGNATURE) {
      throw new VerificationError(
        "history_corrupt",
        `transitions/latest: expected 40-${32 + MAX_SIGNATURE} bytes, got ${b.length}`,
      );
    }
    return { transitionHash: b.slice(0, 32), signature: b.slice(32) };
  };

  const putOwnerSignature = (transitionHash: Uint8Array, signature: Uint8Array): void => {
    checkSignature(signature, "owner signature");
    writeFileAtomic(path("signatures", transitionHash), signature, { mode: 0o600 });
  };

  const getOwnerSignature = (transitionHash: Uint8Array): Uint8Array => {
    const p = path("signatures", transitionHash);
    if (!existsSync(p)) {
      throw new VerificationError(
        "history_not_found",
        `signatures/${toHex(transitionHash)}: expected the owner signature of this transition, got none`,
        { field: "signatures" },
      );
    }
    const b = new Uint8Array(readFileSync(p));
    if (b.length < 8 || b.length > MAX_SIGNATURE) {
      throw new VerificationError(
        "history_corrupt",
        `signatures/${toHex(transitionHash)}: expected 8-${MAX_SIGNATURE} bytes, got ${b.length}`,
      );
    }
    return b;
  };

  return {
    dir,
    beginWrite: (w) =>
      writeFileAtomic(
        pendingPath,
        concatBytes(checkHash(w.transition), checkHash(w.manifest), ...w.policies.map(checkHash)),
        {
          mode: 0o600,
        },
      ),
    endWrite: () => removeFile(pendingPath),
    pendingWrite: () => {
      if (!existsSync(pendingPath)) return undefined;
      const b = new Uint8Array(readFileSync(pendingPath));
      if (b.length < 64 || b.length % 32 !== 0) return undefined;
      const at = (i: number) => b.slice(i * 32, i * 32 + 32);
      const policies = Array.from({ length: b.length / 32 - 2 }, (_, i) => at(i + 2));
      return { transition: at(0), manifest: at(1), policies };
    },
    remove: (kind, hash) => removeFile(path(kind, hash)),
    putSeedShares: (b) => writeFileAtomic(seedSharesPath, b, { mode: 0o600 }),
    getSeedShares: () => {
      if (!existsSync(seedSharesPath)) return undefined;
      const b = new Uint8Array(readFileSync(seedSharesPath));
      if (b.length > MAX_SEED_SHARES) {
        throw new VerificationError(
          "history_corrupt",
          `seed-shares.json: expected at most ${MAX_SEED_SHARES} bytes, got ${b.length}`,
        );
      }
      return b;
    },
    removeSeedShares: () => removeFile(seedSharesPath),
    putManifest: (b) => put("manifests", b),
    getManifest: (h) => get("manifests", h),
    putPolicy: (b) => put("policies", b),
    getPolicy: (h) => get("policies", h),
    hasPolicy: (h) => existsSync(path("policies", h)),
    putTransition: (m, prev) => put("transitions", encodeTransition(m, prev)),
    getTransition,
    putOwnerSignature,
    getOwnerSignature,
    hasEntries: () =>
      (["manifests", "transitions", "signatures"] as const).some((k) =>
        readdirSync(join(dir, k)).some((name) => ENTRY_NAME.test(name)),
      ),
    getLatest,
    setLatest: (next, expectedOld) =>
      mutex.runExclusive(() => {
        checkHash(next.transitionHash);
        checkSignature(next.signature, "signature");
        // The new latest must be a stored transition that extends the current one: the history stays one chain.
        const { previousTransitionHash } = getTransition(next.transitionHash);
        const current = getLatest()?.transitionHash;
        if (!constantTimeEqual(previousTransitionHash, current ?? ZERO_HASH)) {
          throw new PolicyError(
            "manifest_conflict",
            `transitions/${toHex(next.transitionHash)}: expected to extend ${toHex(current ?? ZERO_HASH)}, got ${toHex(previousTransitionHash)}`,
            [],
            { field: "previousTransition" },
          );
        }
        const matches =
          current === undefined
            ? expectedOld === undefined
            : expectedOld !== undefined && constantTimeEqual(current, expectedOld);
        if (!matches) {
          throw new PolicyError(
            "manifest_conflict",
            `previousTransition: expected ${current === undefined ? "none" : toHex(current)}, got ${expectedOld === undefined ? "none" : toHex(expectedOld)}`,
            [],
            { field: "previousTransition" },
          );
        }
        writeFileAtomic(latestPath, concatBytes(next.transitionHash, next.signature), { mode: 0o600 });
      }),
    walk(latestHash: Uint8Array): HistoryEntry[] {
      const out: HistoryEntry[] = [];
      let h = checkHash(latestHash);
      while (!isAllZero(h)) {
        if (out.length >= MAX_CHAIN)
          throw new VerificationError("history_corrupt", "transitions: chain too long or cyclic");
        const t = getTransition(h);
        out.push({
          transitionHash: h,
          ...t,
          manifest: get("manifests", t.manifestHash),
          ownerSignature: getOwnerSignature(h),
        });
        h = t.previousTransitionHash;
      }
      return out.reverse();
    },
  };
}

function checkSignature(sig: Uint8Array, field: string): void {
  if (sig.length < 8 || sig.length > MAX_SIGNATURE) {
    throw new ParseError("invalid_length", `${field}: expected 8-${MAX_SIGNATURE} bytes, got ${sig.length}`, {
      field,
    });
  }
}

function checkHash(h: Uint8Array): Uint8Array {
  if (!(h instanceof Uint8Array) || h.length !== 32) {
    throw new ParseError("invalid_length", `hash: expected 32 bytes, got ${h?.length ?? 0}`, {
      field: "hash",
    });
  }
  return h;
}

export { ZERO_HASH };
