// Where the hot ECDSA operations run: inline on the JS thread, or on node:crypto's thread pool.
//
// WebCrypto (and node:crypto's synchronous calls) compute on the JS thread, so concurrent admissions would share one
// core. node:crypto's callback form runs on its thread pool instead, but the hop there and back costs about 0.15 ms,
// a third of a P-384 operation. So a unit of work (an admission) runs its ECDSA inline when it is alone, and on the
// pool when others are queued: while another unit is in flight, or when this one started right after one ended
// (back to back: inline work had kept the others waiting, so they could not be seen in flight). Callers mark their
// units with `trackEcdsaWork`.

import { type KeyObject, sign as nodeSign, verify as nodeVerify } from "node:crypto";

/** A unit starting within this long of the previous one's end counts as queued behind it. */
const BACK_TO_BACK_MS = 0.25;

let unitsInFlight = 0;
let queuedUnits = 0;
let lastEnd = Number.NEGATIVE_INFINITY;

/** Runs `work` as one unit: when other units are queued, its ECDSA operations go to the thread pool. */
export async function trackEcdsaWork<T>(work: () => Promise<T>): Promise<T> {
  const queued = unitsInFlight > 0 || performance.now() - lastEnd < BACK_TO_BACK_MS;
  unitsInFlight++;
  if (queued) queuedUnits++;
  try {
    return await work();
  } finally {
    unitsInFlight--;
    if (queued) queuedUnits--;
    lastEnd = performance.now();
  }
}

function offload(): boolean {
  return unitsInFlight > 1 || queuedUnits > 0;
}

/** node:crypto sign (`hash` as node names it, e.g. "sha384"), DER or IEEE-P1363 output. */
export function runSign(
  hash: string,
  data: Uint8Array,
  key: KeyObject,
  dsaEncoding: "der" | "ieee-p1363",
): Promise<Uint8Array> {
  if (!offload()) {
    try {
      return Promise.resolve(new Uint8Array(nodeSign(hash, data, { key, dsaEncoding })));
    } catch (e) {
      return Promise.reject(e);
    }
  }
  return new Promise((resolve, reject) =>
    nodeSign(hash, data, { key, dsaEncoding }, (err, sig) =>
      err ? reject(err) : resolve(new Uint8Array(sig)),
    ),
  );
}

/** node:crypto verify; false for a malformed signature or key mismatch, never throws. */
export function runVerify(
  hash: string,
  data: Uint8Array,
  key: KeyObject,
  dsaEncoding: "der" | "ieee-p1363",
  signature: Uint8Array,
): Promise<boolean> {
  try {
    if (!offload()) return Promise.resolve(nodeVerify(hash, data, { key, dsaEncoding }, signature) === true);
    return new Promise((resolve) =>
      nodeVerify(hash, data, { key, dsaEncoding }, signature, (err, ok) =>
        resolve(err === null && ok === true),
      ),
    );
  } catch {
    return Promise.resolve(false);
  }
}
