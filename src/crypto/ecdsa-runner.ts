// Where the hot ECDSA operations run: inline on the JS thread, or on node:crypto's thread pool.
//
// WebCrypto (and node:crypto's synchronous calls) compute on the JS thread, so concurrent admissions would share one
// core. node:crypto's callback form runs on its thread pool instead, but the hop there and back costs about 0.15 ms,
// a third of a P-384 operation. So: while one unit of work (an admission) is in flight it runs inline; while more are,
// it goes to the pool and the JS thread serves the others. Callers mark their units with `trackEcdsaWork`.

import { type KeyObject, sign as nodeSign, verify as nodeVerify } from "node:crypto";

let unitsInFlight = 0;

/** Runs `work` as one unit: while other units are in flight, its ECDSA operations go to the thread pool. */
export async function trackEcdsaWork<T>(work: () => Promise<T>): Promise<T> {
  unitsInFlight++;
  try {
    return await work();
  } finally {
    unitsInFlight--;
  }
}

function offload(): boolean {
  return unitsInFlight > 1;
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
