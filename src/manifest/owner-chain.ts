// Verifies who authorised a manifest history (issue 10 §1): the first transition is signed by a deployment key, and
// every later one by a workload owner of the manifest it replaces (edgelesssys/contrast coordinator/internal/userapi (SetManifest)), so the history is the owners'.

import { fromHex, toHex } from "../common/bytes.ts";
import { isContrastError, VerificationError } from "../common/errors.ts";
import { computeTransitionHash, verifyTransitionSignature, ZERO_HASH } from "../crypto/transition.ts";
import { parseManifest } from "./parse-manifest.ts";
import type { Manifest } from "./schema.ts";

export interface OwnerChain {
  /** Transition hash after each manifest; the last one is the history's head. */
  readonly transitions: readonly Uint8Array[];
  readonly latestTransition: Uint8Array;
  /** Every manifest parsed, oldest → newest. */
  readonly manifests: readonly Manifest[];
  /** False when `firstKeys` was "unchecked": nobody vouched for who set the first manifest. */
  readonly firstChecked: boolean;
}

/**
 * `manifests` (exact bytes, oldest → newest) with one owner signature each. `firstKeys` are the PKIX DER keys one
 * of which must have signed the first transition (an Initializer's pinned deployment keys), or "unchecked" for an
 * auditor without such a pin. Throws VerificationError naming the first transition that is not authorised.
 */
export async function verifyOwnerChain(
  manifests: readonly Uint8Array[],
  signatures: readonly Uint8Array[],
  firstKeys: readonly Uint8Array[] | "unchecked",
): Promise<OwnerChain> {
  if (manifests.length === 0)
    throw new VerificationError("history_empty", "manifests: expected at least one, got none");
  if (signatures.length !== manifests.length) {
    throw new VerificationError(
      "history_signatures_missing",
      `signatures: expected one per manifest (${manifests.length}), got ${signatures.length}`,
      { field: "signatures" },
    );
  }
  const parsed = manifests.map((m, i) => parseHistoryManifest(m, i));
  const transitions: Uint8Array[] = [];
  let previous = ZERO_HASH;
  for (const [i, bytes] of manifests.entries()) {
    const t = computeTransitionHash(bytes, previous);
    transitions.push(t);
    previous = t;
    if (i === 0 && firstKeys === "unchecked") continue;
    const keys = i === 0 ? (firstKeys as readonly Uint8Array[]) : ownerKeys(parsed[i - 1]!, i - 1);
    if (!(await verifyTransitionSignature(keys, t, signatures[i]!))) throw unauthorised(i, t);
  }
  return {
    transitions,
    latestTransition: previous,
    manifests: parsed,
    firstChecked: firstKeys !== "unchecked",
  };
}

/**
 * The keys the first manifest's signature is checked against when no deployment key is pinned: its own workload
 * owners. A manifest without owners (-d) was signed by a key only the pods pin, so nobody else can check that
 * signature: "unchecked", and the chain says so (`firstChecked`).
 */
export function firstManifestOwnerKeys(first: Uint8Array): Uint8Array[] | "unchecked" {
  const m = parseManifest(first).manifest;
  return m.WorkloadOwnerPubKeys.length === 0 ? "unchecked" : ownerKeys(m, 0);
}

function parseHistoryManifest(bytes: Uint8Array, i: number): Manifest {
  try {
    return parseManifest(bytes).manifest;
  } catch (e) {
    if (!isContrastError(e)) throw e;
    throw new VerificationError("history_manifest_invalid", `manifests[${i}]: ${e.message}`, {
      field: `manifests[${i}]`,
    });
  }
}

function ownerKeys(m: Manifest, i: number): Uint8Array[] {
  return m.WorkloadOwnerPubKeys.map((h, k) => fromHex(h, `manifests[${i}].WorkloadOwnerPubKeys[${k}]`));
}

function unauthorised(i: number, t: Uint8Array): VerificationError {
  if (i === 0) {
    return new VerificationError(
      "history_not_this_deployment",
      `signatures[0]: expected the first manifest signed by a deployment key, got a signature by another key over transition ${toHex(t)}: this Coordinator's history was started by someone else`,
      { field: "signatures[0]" },
    );
  }
  return new VerificationError(
    "history_update_unauthorised",
    `signatures[${i}]: expected a signature by a WorkloadOwnerPubKeys entry of manifests[${i - 1}] over transition ${toHex(t)}, got none that verifies`,
    { field: `signatures[${i}]` },
  );
}
