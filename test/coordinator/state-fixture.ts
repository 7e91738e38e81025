// What the CoordinatorState tests share: owner keys, policy documents and a manifest over the sim's reference values,
// a state opened on a directory, and a `set` signed like the CLI signs it.

import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toHex, utf8 } from "../../src/common/bytes.ts";
import { createHistoryStore, type HistoryStore } from "../../src/coordinator/history/history-store.ts";
import { CoordinatorState } from "../../src/coordinator/state.ts";
import { type EcKeyPair, exportPublicKeySpki, generateEcKeyPair } from "../../src/crypto/keys.ts";
import { defaultRandom } from "../../src/crypto/random.ts";
import { exportRsaPublicKeyPkcs1, generateRsaKeyPair, type RsaKeyPair } from "../../src/crypto/rsa-keys.ts";
import { computeTransitionHash, signTransition } from "../../src/crypto/transition.ts";
import { createTestSim } from "../attestation/sim/fixture.ts";
import { policyDocument } from "../support/harness.ts";

export type PolicyDocument = ReturnType<typeof policyDocument>;

export interface StateDeployment {
  readonly owner: EcKeyPair;
  readonly seedOwner: RsaKeyPair;
  /** One policy document per pod name given, in that order. */
  readonly docs: PolicyDocument[];
  /** The manifest (as JSON): the first two documents (coordinator, web), the sim's reference values, both owners. */
  readonly base: Record<string, unknown>;
}

/** Fresh keys and documents for `pods` (the first is the Coordinator's). */
export async function stateDeployment(prefix: string, pods: string[]): Promise<StateDeployment> {
  const sim = await createTestSim();
  const owner = await generateEcKeyPair("P-384");
  const seedOwner = await generateRsaKeyPair(2048);
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-docs-`));
  const docs = pods.map((n) => policyDocument(dir, n));
  const base = {
    Policies: {
      [docs[0]!.digest]: { SANs: ["coordinator"], Role: "coordinator" },
      [docs[1]!.digest]: { SANs: ["web"] },
    },
    ReferenceValues: sim.referenceValues,
    WorkloadOwnerPubKeys: [toHex(await exportPublicKeySpki(owner.publicKey))],
    SeedshareOwnerPubKeys: [toHex(await exportRsaPublicKeyPkcs1(seedOwner.publicKey))],
  };
  return { owner, seedOwner, docs, base };
}

/** The manifest's bytes as `set` sends them, after `edit` changed a copy of `base`. */
export function manifestBytes(
  base: Record<string, unknown>,
  edit: (m: Record<string, unknown>) => void = () => {},
): Uint8Array {
  const m = structuredClone(base);
  edit(m);
  return utf8(`${JSON.stringify(m)}\n`);
}

export function openState(stateDir: string, store?: HistoryStore): Promise<CoordinatorState> {
  return CoordinatorState.open({
    store: store ?? createHistoryStore(join(stateDir, "history")),
    stateDir,
    now: () => new Date(),
    random: defaultRandom,
  });
}

/** Sets `bytes` with the documents it lists, signed by `key` over the transition (null: unsigned). */
export async function setSigned(
  state: CoordinatorState,
  bytes: Uint8Array,
  docs: readonly PolicyDocument[],
  key: EcKeyPair | null,
) {
  const previous = state.snapshot().latestTransition;
  const listed = Object.keys(JSON.parse(new TextDecoder().decode(bytes)).Policies);
  return state.setManifest({
    manifest: bytes,
    policies: docs.filter((d) => listed.includes(d.digest)).map((d) => d.bytes),
    previousTransition: previous,
    ...(key
      ? { signature: await signTransition(key.privateKey, computeTransitionHash(bytes, previous)) }
      : {}),
  });
}
