// Checks of a manifest set (edgelesssys/contrast coordinator/internal/userapi (SetManifest)): parse, policy documents, owner signature (first set included), unchanged seed-share owners.

import { ApiError } from "../api/errors.ts";
import { fromHex, toHex } from "../common/bytes.ts";
import { sha256 } from "../common/digest.ts";
import { ContrastError } from "../common/errors.ts";
import { verifyTransitionSignature } from "../crypto/transition.ts";
import { ManifestError } from "../manifest/manifest-error.ts";
import { parseManifest } from "../manifest/parse-manifest.ts";
import type { Manifest } from "../manifest/schema.ts";

export function parseOrReject(bytes: Uint8Array): Manifest {
  try {
    return parseManifest(bytes, { requireComplete: true }).manifest;
  } catch (e) {
    if (e instanceof ManifestError)
      throw new ApiError("invalid_argument", `manifest: ${e.problems.join("; ")}`);
    if (e instanceof ContrastError) throw new ApiError("invalid_argument", `manifest: ${e.message}`);
    throw e;
  }
}

/** Every policy digest of the manifest needs its document; documents nobody references are refused. */
export function checkPolicies(manifest: Manifest, docs: readonly Uint8Array[]): Uint8Array[] {
  const byDigest = new Map(docs.map((d) => [toHex(sha256(d)), d]));
  for (const [digest, doc] of byDigest) {
    if (!Object.hasOwn(manifest.Policies, digest)) {
      throw new ApiError(
        "invalid_argument",
        `policies: document ${digest} (${doc.length} bytes) is not in the manifest`,
      );
    }
  }
  for (const digest of Object.keys(manifest.Policies)) {
    if (!byDigest.has(digest))
      throw new ApiError("invalid_argument", `policies: missing document for ${digest}`);
  }
  return [...byDigest.values()];
}

/**
 * The first manifest is signed too (issue 10 §1): Initializers accept a history only when its first transition is
 * signed by a key pinned in their own initdata. When the manifest lists owners the signature must be one of theirs;
 * a manifest without owners (`--disable-updates`) is signed by a key only the pods know, so it is stored as given.
 * Returns the signature to store.
 */
export async function authorizeFirstManifest(
  next: Manifest,
  transition: Uint8Array,
  signature: Uint8Array | undefined,
): Promise<Uint8Array> {
  if (!signature)
    throw new ApiError("invalid_signature", "signature: required for the first manifest too, got nothing");
  if (next.WorkloadOwnerPubKeys.length > 0 && !(await verifiesUnder(next, transition, signature)))
    throw notByAnOwner(next, "the manifest being set", transition);
  return signature;
}

/** An update is signed by an owner of the current manifest and keeps the seed-share owners. Returns the signature. */
export async function authorizeUpdate(
  current: Manifest,
  next: Manifest,
  transition: Uint8Array,
  signature: Uint8Array | undefined,
): Promise<Uint8Array> {
  if (current.WorkloadOwnerPubKeys.length === 0) {
    throw new ApiError(
      "updates_disabled",
      "the current manifest has no workload owner keys: updates are disabled",
    );
  }
  if (!signature) throw new ApiError("invalid_signature", "signature: required for an update, got nothing");
  if (!(await verifiesUnder(current, transition, signature)))
    throw notByAnOwner(current, "the current manifest", transition);
  const a = current.SeedshareOwnerPubKeys;
  const b = next.SeedshareOwnerPubKeys;
  if (a.length !== b.length || a.some((k, i) => k.toLowerCase() !== b[i]!.toLowerCase())) {
    throw new ApiError("seedshare_owners_changed", "SeedshareOwnerPubKeys: may not change in an update");
  }
  return signature;
}

/** Names the keys that were tried (their tails: P-384 SPKIs share their DER header) and the way out. */
function notByAnOwner(owners: Manifest, whose: string, transition: Uint8Array): ApiError {
  const keys = owners.WorkloadOwnerPubKeys.map((k) => `…${k.toLowerCase().slice(-16)}`).join(", ");
  return new ApiError(
    "invalid_signature",
    `signature: none of the ${owners.WorkloadOwnerPubKeys.length} WorkloadOwnerPubKeys of ${whose} (${keys}) verifies it for transition ${toHex(transition)}; sign with the private key of one of them (contrast set --workload-owner-key FILE)`,
  );
}

function verifiesUnder(owners: Manifest, transition: Uint8Array, signature: Uint8Array): Promise<boolean> {
  const keys = owners.WorkloadOwnerPubKeys.map((h, i) => fromHex(h, `WorkloadOwnerPubKeys[${i}]`));
  return verifyTransitionSignature(keys, transition, signature);
}

export function mergePolicies(existing: Uint8Array[], add: Uint8Array[]): Uint8Array[] {
  const seen = new Set(existing.map((p) => toHex(sha256(p))));
  const out = [...existing];
  for (const p of add) {
    const d = toHex(sha256(p));
    if (!seen.has(d)) {
      seen.add(d);
      out.push(p);
    }
  }
  return out;
}
