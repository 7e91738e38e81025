// The Coordinator's state machine against a hostile state directory: signed first manifests, owner signatures kept
// per transition, no silent reset when `latest` is deleted, and recovery that shows and unlocks exactly one history.

import { beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiError } from "../../src/api/errors.ts";
import { toHex } from "../../src/common/bytes.ts";
import { VerificationError } from "../../src/common/errors.ts";
import { createHistoryStore } from "../../src/coordinator/history/history-store.ts";
import type { CoordinatorState } from "../../src/coordinator/state.ts";
import { type EcKeyPair, exportPublicKeySpki, generateEcKeyPair } from "../../src/crypto/keys.ts";
import type { RsaKeyPair } from "../../src/crypto/rsa-keys.ts";
import { decryptSeedShare } from "../../src/crypto/seedshare.ts";
import {
  chainTransitionHashes,
  computeTransitionHash,
  verifyTransitionSignature,
  ZERO_HASH,
} from "../../src/crypto/transition.ts";
import { SIM_TIMEOUT_MS } from "../attestation/sim/fixture.ts";
import { expectCode } from "../support/expect-error.ts";
import {
  manifestBytes,
  openState,
  type PolicyDocument,
  setSigned,
  stateDeployment,
} from "./state-fixture.ts";

let owner: EcKeyPair;
let stranger: EcKeyPair;
let seedOwner: RsaKeyPair;
let base: Record<string, unknown>;
let docs: PolicyDocument[];

beforeAll(async () => {
  ({ owner, seedOwner, base, docs } = await stateDeployment("state", ["coordinator", "web"]));
  stranger = await generateEcKeyPair("P-384");
}, SIM_TIMEOUT_MS);

function manifest(edit?: (m: Record<string, unknown>) => void): Uint8Array {
  return manifestBytes(base, edit);
}

async function newState(stateDir = mkdtempSync(join(tmpdir(), "state-"))) {
  return { stateDir, state: await openState(stateDir) };
}

function set(state: CoordinatorState, bytes: Uint8Array, key: EcKeyPair | null = owner) {
  return setSigned(state, bytes, docs, key);
}

describe("CoordinatorState.setManifest (first manifest)", () => {
  test("unsigned → invalid_signature, nothing stored", async () => {
    const { state, stateDir } = await newState();
    await expectCode(() => set(state, manifest(), null), ApiError as never, "invalid_signature");
    expect(state.phase).toBe("uninitialized");
    expect(createHistoryStore(join(stateDir, "history")).hasEntries()).toBe(false);
  });

  test("signed by a key the manifest does not list → invalid_signature naming the listed keys and the way out", async () => {
    const { state } = await newState();
    const e = await expectCode(
      () => set(state, manifest(), stranger),
      ApiError as never,
      "invalid_signature",
    );
    expect(e.message).toMatch(
      /^signature: none of the 1 WorkloadOwnerPubKeys of the manifest being set \(…[0-9a-f]{16}\) verifies it for transition [0-9a-f]{64}; sign with the private key of one of them \(contrast set --workload-owner-key FILE\)$/,
    );
    expect(state.phase).toBe("uninitialized");
  });

  test("manifest without owners (--disable-updates) → the given signature is stored as it is", async () => {
    const { state } = await newState();
    await set(
      state,
      manifest((m) => {
        m.WorkloadOwnerPubKeys = [];
      }),
      stranger,
    );
    const snap = state.snapshot();
    const key = await exportPublicKeySpki(stranger.publicKey);
    expect(await verifyTransitionSignature([key], snap.latestTransition, snap.signatures[0]!)).toBe(true);
  });

  test("signed by an owner, then an update → one owner signature per transition in the snapshot", async () => {
    const { state } = await newState();
    await set(state, manifest());
    await set(
      state,
      manifest((m) => {
        (m.Policies as Record<string, { SANs: string[] }>)[docs[1]!.digest]!.SANs.push("web.default");
      }),
    );
    const snap = state.snapshot();
    const key = await exportPublicKeySpki(owner.publicKey);
    expect(snap.signatures.length).toBe(2);
    let previous = ZERO_HASH;
    for (const [i, m] of snap.manifests.entries()) {
      previous = computeTransitionHash(m, previous);
      expect(await verifyTransitionSignature([key], previous, snap.signatures[i]!)).toBe(true);
    }
  });
});

describe("CoordinatorState (restart)", () => {
  test("history on disk but transitions/latest deleted → refuses to start with history_corrupt", async () => {
    const { state, stateDir } = await newState();
    await set(state, manifest());
    rmSync(join(stateDir, "history", "transitions", "latest"));
    await expectCode(() => newState(stateDir), VerificationError, "history_corrupt");
  });

  test("recovery mode → snapshot shows the stored history and its signatures, no CA", async () => {
    const { state, stateDir } = await newState();
    await set(state, manifest());
    const before = state.snapshot();
    const restarted = (await newState(stateDir)).state;
    const snap = restarted.snapshot();
    expect(snap.phase).toBe("recovery");
    expect(snap.manifests.map(toHex)).toEqual(before.manifests.map(toHex));
    expect(snap.signatures.map(toHex)).toEqual(before.signatures.map(toHex));
    expect(toHex(snap.latestTransition)).toBe(toHex(chainTransitionHashes(before.manifests)));
    expect(snap.rootCA).toBe("");
    expect(snap.meshCA).toBe("");
  });

  test("older latest copied back → recovery shows the older history; recovering it needs its head", async () => {
    const { state, stateDir } = await newState();
    const first = await set(state, manifest());
    const latestPath = join(stateDir, "history", "transitions", "latest");
    const saved = join(stateDir, "latest.old");
    copyFileSync(latestPath, saved);
    await set(
      state,
      manifest((m) => {
        delete (m.Policies as Record<string, unknown>)[docs[1]!.digest];
      }),
    );
    const newestHead = state.snapshot().latestTransition;
    copyFileSync(saved, latestPath);
    const restarted = (await newState(stateDir)).state;
    expect(restarted.snapshot().manifests.length).toBe(1);
    const { seed, salt } = await decryptSeedShare(first.seedShares, seedOwner);
    await expectCode(() => restarted.recover(seed, salt, newestHead), ApiError as never, "manifest_conflict");
    expect(restarted.phase).toBe("recovery");
    await restarted.recover(seed, salt, restarted.snapshot().latestTransition);
    expect(restarted.phase).toBe("ready");
  });

  test("latest replaced after start → recover unlocks the history it showed, not the file's new content", async () => {
    const { state, stateDir } = await newState();
    const first = await set(state, manifest());
    const restarted = (await newState(stateDir)).state;
    const shown = restarted.snapshot().latestTransition;
    writeFileSync(join(stateDir, "history", "transitions", "latest"), new Uint8Array(100).fill(7));
    const { seed, salt } = await decryptSeedShare(first.seedShares, seedOwner);
    await restarted.recover(seed, salt, shown);
    expect(toHex(restarted.snapshot().latestTransition)).toBe(toHex(shown));
  });
});
