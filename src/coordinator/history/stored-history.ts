// The history a restarted Coordinator finds on disk, read once at start (issue 10 §2): recovery-mode `/v1/attest`
// shows exactly this (unverified: only the seed can check `latest`), and `recover` unlocks exactly this.
//
// Everything that can be checked without the seed is checked here, before the Coordinator says it is started
// (issue 15 §2): every link and manifest re-hashed, every policy document of every manifest present and re-hashed,
// every owner signature verified along the chain, `latest`'s signature well-formed DER, the seed-share document
// well-formed. A damaged or missing file refuses the start with `history_corrupt` naming it, instead of a
// Coordinator that starts, says it is ready and then fails every `recover`.

import { fromHex, toHex } from "../../common/bytes.ts";
import { isContrastError, VerificationError } from "../../common/errors.ts";
import { parseSeedShareDocument } from "../../crypto/seedshare.ts";
import { firstManifestOwnerKeys, verifyOwnerChain } from "../../manifest/owner-chain.ts";
import { parseManifest } from "../../manifest/parse-manifest.ts";
import type { Manifest } from "../../manifest/schema.ts";
import type { HistoryEntry, HistoryStore, LatestTransition } from "./history-store.ts";

export interface StoredHistory {
  readonly latest: LatestTransition;
  readonly manifests: Uint8Array[];
  readonly signatures: Uint8Array[];
  /** Every policy document referenced by any manifest of the history, each checked against its digest. */
  readonly policies: Uint8Array[];
  readonly newest: Manifest;
}

/**
 * The stored history, or undefined for a state dir that never had one. Throws VerificationError `history_corrupt`
 * naming the first damaged file, and for history without `latest`: starting empty there would let whoever deleted
 * `latest` install a new first manifest and seed over the old deployment's history; only the operator may decide
 * that, by moving the dir away.
 */
export async function readStoredHistory(store: HistoryStore): Promise<StoredHistory | undefined> {
  const latest = store.getLatest();
  if (latest === undefined) {
    if (!store.hasEntries()) return undefined;
    throw new VerificationError(
      "history_corrupt",
      "transitions/latest: expected the head of the stored history, got none; refusing to start empty over an existing history (restore latest, or move the state directory away to start a new deployment)",
    );
  }
  if (!isDerEcdsaSignature(latest.signature)) {
    throw corrupt(
      "transitions/latest",
      "expected a DER ECDSA signature after the transition hash, got other bytes",
    );
  }
  const chain = asCorrupt(
    () => store.walk(latest.transitionHash),
    `transitions/${toHex(latest.transitionHash)}`,
  );
  const last = chain[chain.length - 1];
  if (last === undefined) throw corrupt("transitions/latest", "expected a transition, got the zero hash");
  const parsed = chain.map((e) => parseStored(e));
  const policies = new Map<string, Uint8Array>();
  for (const m of parsed) {
    for (const digest of Object.keys(m.Policies)) {
      if (policies.has(digest)) continue;
      const hash = fromHex(digest, "policy digest", 32);
      policies.set(
        digest,
        asCorrupt(() => store.getPolicy(hash), `policies/${digest}`),
      );
    }
  }
  await verifyOwners(chain);
  const shares = asCorrupt(() => store.getSeedShares(), "seed-shares.json");
  if (shares !== undefined) {
    try {
      parseSeedShareDocument(JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(shares)));
    } catch {
      throw corrupt(
        "seed-shares.json",
        "expected the seed-share document of the first set, got damaged content",
      );
    }
  }
  return {
    latest,
    manifests: chain.map((e) => e.manifest),
    signatures: chain.map((e) => e.ownerSignature),
    policies: [...policies.values()],
    newest: parsed[parsed.length - 1]!,
  };
}

function parseStored(e: HistoryEntry): Manifest {
  try {
    return parseManifest(e.manifest).manifest;
  } catch (err) {
    if (!isContrastError(err)) throw err;
    throw corrupt(`manifests/${toHex(e.manifestHash)}`, `expected a manifest, got ${err.message}`);
  }
}

/** The first transition by an owner the first manifest lists (unchecked without owners), each later one by an owner of the manifest before it. */
async function verifyOwners(chain: HistoryEntry[]): Promise<void> {
  const firstKeys = firstManifestOwnerKeys(chain[0]!.manifest);
  try {
    await verifyOwnerChain(
      chain.map((e) => e.manifest),
      chain.map((e) => e.ownerSignature),
      firstKeys,
    );
  } catch (err) {
    if (!isContrastError(err)) throw err;
    const i = Number(/^signatures\[(\d+)\]$/.exec(err.field ?? "")?.[1] ?? Number.NaN);
    const entry = chain[Number.isInteger(i) ? i : 0]!;
    throw corrupt(
      `signatures/${toHex(entry.transitionHash)}`,
      `expected a valid owner signature, got: ${err.message}`,
    );
  }
}

function corrupt(file: string, what: string): VerificationError {
  return new VerificationError("history_corrupt", `${file}: ${what}`, { field: file });
}

/** Runs a store read; a missing or damaged entry becomes `history_corrupt` naming the file it concerns. */
function asCorrupt<T>(read: () => T, file: string): T {
  try {
    return read();
  } catch (err) {
    if (!isContrastError(err)) throw err;
    if (err.code === "history_corrupt") throw err;
    throw corrupt(/^\S+\/[0-9a-f]{64}/.exec(err.message)?.[0] ?? file, err.message);
  }
}

/** SEQUENCE { INTEGER r, INTEGER s } with definite lengths that add up: catches truncation and most bit flips. */
export function isDerEcdsaSignature(sig: Uint8Array): boolean {
  if (sig.length < 8 || sig[0] !== 0x30) return false;
  let i = 2;
  let len = sig[1]!;
  if (len === 0x81) {
    len = sig[2] ?? 0;
    i = 3;
  } else if (len > 0x80) return false;
  if (i + len !== sig.length) return false;
  for (let n = 0; n < 2; n++) {
    if (sig[i] !== 0x02) return false;
    const l = sig[i + 1] ?? 0;
    if (l === 0 || l > 0x49 || i + 2 + l > sig.length) return false;
    i += 2 + l;
  }
  return i === sig.length;
}
