// `set` checks its own signing key before sending: the Coordinator only says invalid_signature, the CLI can say
// which key signed and which keys would be accepted.

import { fromHex, toHex } from "../common/bytes.ts";
import { PolicyError } from "../common/errors.ts";

/** The tail of a hex SPKI: the key's point, where P-384 keys differ (their DER headers are all the same). */
export function keyTail(spkiHex: string): string {
  return `…${spkiHex.toLowerCase().slice(-16)}`;
}

/**
 * The key in `keyPath` (public key `signer`) must be one of `owners`: the WorkloadOwnerPubKeys of the Coordinator's
 * current manifest for an update, of the manifest being set for the first one (a first manifest without owners is
 * signed by a key only the pods pin). Otherwise PolicyError (exit 5), naming the signing key, the listed keys and
 * the way out.
 */
export function checkSigningKey(opts: {
  keyPath: string;
  signer: Uint8Array;
  owners: readonly string[];
  update: boolean;
}): void {
  const { keyPath, signer, owners, update } = opts;
  if (update && owners.length === 0) {
    throw new PolicyError(
      "updates_disabled",
      "the coordinator's current manifest lists no WorkloadOwnerPubKeys: updates are disabled (it was generated with --disable-updates); only a new deployment can change it",
    );
  }
  if (owners.length === 0) return;
  const mine = toHex(signer);
  if (owners.some((o, i) => toHex(fromHex(o, `WorkloadOwnerPubKeys[${i}]`)) === mine)) return;
  const whose = update ? "the coordinator's current manifest" : "the manifest being set";
  throw new PolicyError(
    "workload_owner_key_not_listed",
    `--workload-owner-key ${keyPath}: its public key ${keyTail(mine)} is not among the ${owners.length} WorkloadOwnerPubKeys of ${whose} (${owners.map(keyTail).join(", ")}); sign with the private key of one of them: contrast set --workload-owner-key FILE`,
    [],
    { field: "WorkloadOwnerPubKeys" },
  );
}
