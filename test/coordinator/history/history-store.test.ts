import { describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toHex, utf8 } from "../../../src/common/bytes.ts";
import { sha256 } from "../../../src/common/digest.ts";
import { ParseError, PolicyError, VerificationError } from "../../../src/common/errors.ts";
import { createHistoryStore, type HistoryStore } from "../../../src/coordinator/history/history-store.ts";
import { generateEcKeyPair } from "../../../src/crypto/keys.ts";
import {
  computeTransitionHash,
  signLatestTransition,
  verifyLatestTransition,
  ZERO_HASH,
} from "../../../src/crypto/transition.ts";
import { expectCode } from "../../support/expect-error.ts";

function freshStore(): { dir: string; store: HistoryStore } {
  const dir = mkdtempSync(join(tmpdir(), "history-"));
  return { dir, store: createHistoryStore(dir) };
}

const fakeSig = new Uint8Array(70).fill(0x30);

/** Stores manifest + transition after `prev` and returns the transition hash (not yet latest). */
function stage(store: HistoryStore, manifest: Uint8Array, prev: Uint8Array): Uint8Array {
  const t = store.putTransition(store.putManifest(manifest), prev);
  store.putOwnerSignature(t, ownerSig(t));
  return t;
}

/** A stand-in owner signature that differs per transition, so the walk shows which one it read. */
function ownerSig(t: Uint8Array): Uint8Array {
  return new Uint8Array([0x30, ...t.subarray(0, 20)]);
}

function snapshot(dir: string): string {
  return ["manifests", "policies", "transitions"]
    .flatMap((k) =>
      readdirSync(join(dir, k)).map((f) => `${k}/${f}:${toHex(sha256(readFileSync(join(dir, k, f))))}`),
    )
    .sort()
    .join("\n");
}

describe("createHistoryStore", () => {
  test("put then get manifest and policy → same bytes under their sha-256", () => {
    const { dir, store } = freshStore();
    const m = utf8('{"a":1}\n');
    const h = store.putManifest(m);
    expect(toHex(h)).toBe(toHex(sha256(m)));
    expect(toHex(store.getManifest(h))).toBe(toHex(m));
    expect(readdirSync(join(dir, "manifests"))).toEqual([toHex(h)]);
    const p = utf8('version = "0.1.0"\n');
    expect(store.hasPolicy(sha256(p))).toBe(false);
    expect(toHex(store.getPolicy(store.putPolicy(p)))).toBe(toHex(p));
    expect(store.hasPolicy(sha256(p))).toBe(true);
  });

  test("transition hash → equals the reference transition hash of the manifest", () => {
    const { store } = freshStore();
    const m = utf8("m1");
    expect(toHex(stage(store, m, ZERO_HASH))).toBe(toHex(computeTransitionHash(m, ZERO_HASH)));
  });

  test("tampered file → VerificationError history_corrupt; missing → history_not_found", async () => {
    const { dir, store } = freshStore();
    const h = store.putManifest(utf8("m1"));
    writeFileSync(join(dir, "manifests", toHex(h)), "m2");
    await expectCode(() => store.getManifest(h), VerificationError, "history_corrupt");
    await expectCode(() => store.getPolicy(sha256(utf8("nope"))), VerificationError, "history_not_found");
  });

  test("hash of wrong length → ParseError invalid_length", async () => {
    const { store } = freshStore();
    await expectCode(() => store.getManifest(new Uint8Array(31)), ParseError, "invalid_length");
  });
});

describe("setLatest", () => {
  test("first set, then update with the right old value → latest moves and walk shows the chain", async () => {
    const { store } = freshStore();
    const key = await generateEcKeyPair("P-384");
    const t1 = stage(store, utf8("m1"), ZERO_HASH);
    await store.setLatest(
      { transitionHash: t1, signature: await signLatestTransition(key.privateKey, t1) },
      undefined,
    );
    const t2 = stage(store, utf8("m2"), t1);
    await store.setLatest(
      { transitionHash: t2, signature: await signLatestTransition(key.privateKey, t2) },
      t1,
    );
    const latest = store.getLatest();
    expect(toHex(latest?.transitionHash ?? new Uint8Array())).toBe(toHex(t2));
    expect(await verifyLatestTransition(key.publicKey, t2, latest?.signature ?? new Uint8Array())).toBe(true);
    const chain = store.walk(t2);
    expect(chain.map((e) => new TextDecoder().decode(e.manifest))).toEqual(["m1", "m2"]);
    expect(toHex(chain[0]?.previousTransitionHash ?? new Uint8Array())).toBe(toHex(ZERO_HASH));
  });

  test("stale expected old value → PolicyError manifest_conflict, nothing changed", async () => {
    const { dir, store } = freshStore();
    const t1 = stage(store, utf8("m1"), ZERO_HASH);
    await store.setLatest({ transitionHash: t1, signature: fakeSig }, undefined);
    const t2 = stage(store, utf8("m2"), t1);
    const before = snapshot(dir);
    const latestBefore = readFileSync(join(dir, "transitions", "latest"));
    await expectCode(
      () => store.setLatest({ transitionHash: t2, signature: fakeSig }, undefined),
      PolicyError,
      "manifest_conflict",
    );
    await expectCode(
      () => store.setLatest({ transitionHash: t2, signature: fakeSig }, t2),
      PolicyError,
      "manifest_conflict",
    );
    expect(snapshot(dir)).toBe(before);
    expect(toHex(readFileSync(join(dir, "transitions", "latest")))).toBe(toHex(latestBefore));
  });

  test("transition that does not extend the current latest → PolicyError manifest_conflict (no fork)", async () => {
    const { store } = freshStore();
    const t1 = stage(store, utf8("m1"), ZERO_HASH);
    await store.setLatest({ transitionHash: t1, signature: fakeSig }, undefined);
    const sibling = stage(store, utf8("m2"), ZERO_HASH);
    await expectCode(
      () => store.setLatest({ transitionHash: sibling, signature: fakeSig }, t1),
      PolicyError,
      "manifest_conflict",
    );
  });

  test("latest pointing at an unstored transition → VerificationError history_not_found", async () => {
    const { store } = freshStore();
    await expectCode(
      () => store.setLatest({ transitionHash: sha256(utf8("x")), signature: fakeSig }, undefined),
      VerificationError,
      "history_not_found",
    );
  });

  test("20 concurrent updates on the same old value → exactly one wins, walk shows one chain", async () => {
    const { dir, store } = freshStore();
    const key = await generateEcKeyPair("P-384");
    const t0 = stage(store, utf8("m0"), ZERO_HASH);
    await store.setLatest(
      { transitionHash: t0, signature: await signLatestTransition(key.privateKey, t0) },
      undefined,
    );
    const attempts = Array.from({ length: 20 }, async (_, i) => {
      const t = stage(store, utf8(`update ${i}`), t0);
      const signature = await signLatestTransition(key.privateKey, t);
      await store.setLatest({ transitionHash: t, signature }, t0);
      return t;
    });
    const results = await Promise.allSettled(attempts);
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r) => r.status === "rejected");
    expect(won.length).toBe(1);
    expect(lost.length).toBe(19);
    for (const r of lost) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(PolicyError);
    const latest = createHistoryStore(dir).getLatest();
    const winner = (won[0] as PromiseFulfilledResult<Uint8Array>).value;
    expect(toHex(latest?.transitionHash ?? new Uint8Array())).toBe(toHex(winner));
    const chain = store.walk(winner);
    expect(chain.length).toBe(2);
    expect(toHex(chain[1]?.previousTransitionHash ?? new Uint8Array())).toBe(toHex(t0));
  });
});

describe("hasEntries", () => {
  test("empty store → false; a stored transition without latest → true", () => {
    const { store } = freshStore();
    expect(store.hasEntries()).toBe(false);
    stage(store, utf8("m1"), ZERO_HASH);
    expect(store.getLatest()).toBeUndefined();
    expect(store.hasEntries()).toBe(true);
  });
});

describe("walk", () => {
  test("zero hash → empty history", () => {
    expect(freshStore().store.walk(ZERO_HASH)).toEqual([]);
  });

  test("each entry → carries the owner signature stored for its transition", async () => {
    const { store } = freshStore();
    const t1 = stage(store, utf8("m1"), ZERO_HASH);
    const t2 = stage(store, utf8("m2"), t1);
    expect(store.walk(t2).map((e) => toHex(e.ownerSignature))).toEqual(
      [t1, t2].map((t) => toHex(ownerSig(t))),
    );
  });

  test("owner signature of a link missing → VerificationError history_not_found", async () => {
    const { dir, store } = freshStore();
    const t1 = stage(store, utf8("m1"), ZERO_HASH);
    rmSync(join(dir, "signatures", toHex(t1)));
    await expectCode(() => store.walk(t1), VerificationError, "history_not_found");
  });

  test("manifest of a link missing → VerificationError history_not_found", async () => {
    const { store } = freshStore();
    const t = store.putTransition(sha256(utf8("never stored")), ZERO_HASH);
    await expectCode(() => store.walk(t), VerificationError, "history_not_found");
  });
});
