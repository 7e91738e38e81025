// Mesh API nonces: stateless to issue (HMAC over the issue time with a per-boot key), single use once redeemed.
//
//   nonce (32 bytes) = issuedAt (u64 big-endian, ms) ‖ random (8) ‖ HMAC-SHA256(bootKey, label ‖ issuedAt ‖ random)[0..16]
//
// Issuing stores nothing, so no client can crowd out another client's nonce however many it asks for. A nonce is
// accepted while its MAC verifies and it is younger than the TTL. Replays are stopped by a set that records only
// nonces of requests whose evidence verified: filling it takes one genuine TEE report per entry, entries leave
// when their nonce expires, and the set is capped (when full, new admissions wait instead of evicting anything).

import { createHmac } from "node:crypto";
import { concatBytes, constantTimeEqual, toHex } from "../common/bytes.ts";

export interface NonceStoreOptions {
  ttlMs?: number;
  /** Most nonces remembered as redeemed at once (default 100,000 ≈ 10 MB; ~1,600 admissions/s for 60 s). */
  maxRedeemed?: number;
  now?: () => number;
  random?: (n: number) => Uint8Array;
}

export type NonceCheck = "ok" | "invalid" | "expired" | "replayed";

const LABEL = new TextEncoder().encode("contrast/v1/mesh-nonce\0");
const TAG_BYTES = 16;
/** Allowed clock step backwards between issue and check before a nonce counts as forged. */
const MAX_FUTURE_MS = 5_000;

export class NonceStore {
  private readonly ttlMs: number;
  private readonly max: number;
  private readonly now: () => number;
  private readonly random: (n: number) => Uint8Array;
  private readonly key: Uint8Array;
  /** Redeemed nonce (hex) → the time it stops being valid anyway. */
  private readonly redeemed = new Map<string, number>();

  constructor(opts: NonceStoreOptions = {}) {
    this.ttlMs = opts.ttlMs ?? 60_000;
    this.max = opts.maxRedeemed ?? 100_000;
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? ((n) => crypto.getRandomValues(new Uint8Array(n)));
    this.key = this.random(32);
  }

  issue(): Uint8Array {
    const head = new Uint8Array(16);
    new DataView(head.buffer).setBigUint64(0, BigInt(Math.max(0, Math.floor(this.now()))));
    head.set(this.random(8), 8);
    return concatBytes(head, this.tag(head));
  }

  /** Cheap check before any evidence is looked at: issued here, not expired, not redeemed yet. */
  check(nonce: Uint8Array): NonceCheck {
    if (nonce.length !== 32) return "invalid";
    const head = nonce.subarray(0, 16);
    if (!constantTimeEqual(nonce.subarray(16), this.tag(head))) return "invalid";
    const issuedAt = Number(new DataView(head.buffer, head.byteOffset, 8).getBigUint64(0));
    const t = this.now();
    if (issuedAt > t + MAX_FUTURE_MS) return "invalid";
    if (t - issuedAt > this.ttlMs) return "expired";
    return this.redeemed.has(toHex(nonce)) ? "replayed" : "ok";
  }

  /**
   * Marks a checked nonce as used once its request's evidence verified. False when it was redeemed meanwhile
   * (a concurrent replay) or the set is full of unexpired entries (the caller refuses as unavailable).
   */
  redeem(nonce: Uint8Array): "ok" | "replayed" | "full" {
    const key = toHex(nonce);
    if (this.redeemed.has(key)) return "replayed";
    this.dropExpiredHead();
    if (this.redeemed.size >= this.max) this.sweep();
    if (this.redeemed.size >= this.max) return "full";
    const issuedAt = Number(new DataView(nonce.buffer, nonce.byteOffset, 8).getBigUint64(0));
    this.redeemed.set(key, issuedAt + this.ttlMs);
    return "ok";
  }

  /** Nonces currently remembered as redeemed (the only memory that grows with traffic). */
  get size(): number {
    return this.redeemed.size;
  }

  private tag(head: Uint8Array): Uint8Array {
    const mac = createHmac("sha256", this.key).update(LABEL).update(head).digest();
    return new Uint8Array(mac.subarray(0, TAG_BYTES));
  }

  /**
   * Entries are inserted in about the order they expire, so the expired ones sit at the head of the map: dropping
   * them on every redeem keeps the set at what the last TTL admitted (the soak of issue 15 §2 saw it grow towards
   * the cap instead, RSS rising for over an hour at 20 admissions/s). Amortised O(1).
   */
  private dropExpiredHead(): void {
    const t = this.now();
    for (const [k, expires] of this.redeemed) {
      if (expires >= t) break;
      this.redeemed.delete(k);
    }
  }

  private sweep(): void {
    const t = this.now();
    for (const [k, expires] of this.redeemed) if (expires < t) this.redeemed.delete(k);
  }
}
