// Who authorised a history: first transition by a deployment key, every update by an owner of the manifest before.

import { beforeAll, describe, expect, test } from "bun:test";
import { toHex, utf8 } from "../../src/common/bytes.ts";
import { VerificationError } from "../../src/common/errors.ts";
import { type EcKeyPair, exportPublicKeySpki, generateEcKeyPair } from "../../src/crypto/keys.ts";
import {
  chainTransitionHashes,
  computeTransitionHash,
  signTransition,
  ZERO_HASH,
} from "../../src/crypto/transition.ts";
import { verifyOwnerChain } from "../../src/manifest/owner-chain.ts";
import { expectCode } from "../support/expect-error.ts";
import { baseline, bytesOf, makeKeys } from "./baseline.ts";

let a: EcKeyPair;
let b: EcKeyPair;
let keys: { owner: string; seedshare: string };

const spki = (k: EcKeyPair) => exportPublicKeySpki(k.publicKey);

/** A manifest listing `owners`; `tag` makes each one distinct. */
async function manifest(owners: EcKeyPair[], tag: string): Promise<Uint8Array> {
  const m = baseline(keys);
  m.WorkloadOwnerPubKeys = await Promise.all(owners.map(async (k) => toHex(await spki(k))));
  m.Policies["b".repeat(64)].SANs = ["web", tag];
  return bytesOf(m);
}

/** Signs each manifest's transition with the matching key. */
async function sign(manifests: Uint8Array[], signers: EcKeyPair[]): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  let prev = ZERO_HASH;
  for (const [i, m] of manifests.entries()) {
    prev = computeTransitionHash(m, prev);
    out.push(await signTransition(signers[i]!.privateKey, prev));
  }
  return out;
}

beforeAll(async () => {
  keys = await makeKeys();
  a = await generateEcKeyPair("P-384");
  b = await generateEcKeyPair("P-256");
});

describe("verifyOwnerChain", () => {
  test("first by a deployment key, update by the first manifest's owner, rotation to another owner → accepted", async () => {
    const ms = [await manifest([a], "0"), await manifest([b], "1"), await manifest([b], "2")];
    const chain = await verifyOwnerChain(ms, await sign(ms, [a, a, b]), [await spki(a)]);
    expect(toHex(chain.latestTransition)).toBe(toHex(chainTransitionHashes(ms)));
    expect(chain.manifests.length).toBe(3);
    expect(chain.firstChecked).toBe(true);
  });

  test("first manifest without owners (-d), signed by the pinned key → accepted", async () => {
    const ms = [await manifest([], "0")];
    await verifyOwnerChain(ms, await sign(ms, [a]), [await spki(a)]);
  });

  test("first signed by a key that is not pinned → history_not_this_deployment", async () => {
    const ms = [await manifest([b], "0")];
    await expectCode(
      async () => verifyOwnerChain(ms, await sign(ms, [b]), [await spki(a)]),
      VerificationError,
      "history_not_this_deployment",
    );
  });

  test("update signed by a key the previous manifest does not list → history_update_unauthorised", async () => {
    const ms = [await manifest([a], "0"), await manifest([a], "1")];
    await expectCode(
      async () => verifyOwnerChain(ms, await sign(ms, [a, b]), [await spki(a)]),
      VerificationError,
      "history_update_unauthorised",
    );
  });

  test("update after a manifest without owners (updates disabled) → history_update_unauthorised", async () => {
    const ms = [await manifest([], "0"), await manifest([a], "1")];
    await expectCode(
      async () => verifyOwnerChain(ms, await sign(ms, [a, a]), [await spki(a)]),
      VerificationError,
      "history_update_unauthorised",
    );
  });

  test("signature of another position (reordered) → refused", async () => {
    const ms = [await manifest([a], "0"), await manifest([a], "1")];
    const sigs = await sign(ms, [a, a]);
    await expectCode(
      async () => verifyOwnerChain(ms, [sigs[1]!, sigs[0]!], [await spki(a)]),
      VerificationError,
      "history_not_this_deployment",
    );
  });

  test("fewer signatures than manifests, no manifest, a manifest that does not parse → refused", async () => {
    const ms = [await manifest([a], "0")];
    const pinned = [await spki(a)];
    await expectCode(() => verifyOwnerChain(ms, [], pinned), VerificationError, "history_signatures_missing");
    await expectCode(() => verifyOwnerChain([], [], pinned), VerificationError, "history_empty");
    const junk = [utf8("{}")];
    await expectCode(
      async () => verifyOwnerChain(junk, await sign(junk, [a]), pinned),
      VerificationError,
      "history_manifest_invalid",
    );
  });

  test("unchecked first signature (auditor without a pin) → updates still checked", async () => {
    const ms = [await manifest([], "0")];
    const chain = await verifyOwnerChain(ms, [new Uint8Array(70)], "unchecked");
    expect(chain.firstChecked).toBe(false);
  });
});
