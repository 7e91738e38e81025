import { describe, expect, test } from "bun:test";
import { NonceStore } from "../../src/coordinator/nonce-store.ts";

describe("NonceStore.check", () => {
  test("fresh nonce → ok until redeemed, then replayed", () => {
    const s = new NonceStore();
    const n = s.issue();
    expect(n.length).toBe(32);
    expect(s.check(n)).toBe("ok");
    expect(s.redeem(n)).toBe("ok");
    expect(s.check(n)).toBe("replayed");
    expect(s.redeem(n)).toBe("replayed");
  });

  test("nonce never issued → invalid", () => {
    const s = new NonceStore();
    s.issue();
    expect(s.check(new Uint8Array(32))).toBe("invalid");
  });

  test("nonce issued by another Coordinator (another boot key) → invalid", () => {
    expect(new NonceStore().check(new NonceStore().issue())).toBe("invalid");
  });

  test("issue time edited → invalid (the MAC covers it)", () => {
    let t = 1_000_000;
    const s = new NonceStore({ now: () => t });
    const n = s.issue();
    n[7] = (n[7] ?? 0) ^ 1;
    t += 1;
    expect(s.check(n)).toBe("invalid");
  });

  test("older than the TTL → expired", () => {
    let t = 1000;
    const s = new NonceStore({ ttlMs: 10, now: () => t });
    const n = s.issue();
    t += 11;
    expect(s.check(n)).toBe("expired");
  });

  test("one client asks for 300,000 nonces → an honest client's earlier nonce still works, nothing stored", () => {
    const s = new NonceStore();
    const honest = s.issue();
    for (let i = 0; i < 300_000; i++) s.issue();
    expect(s.size).toBe(0);
    expect(s.check(honest)).toBe("ok");
    expect(s.redeem(honest)).toBe("ok");
  });
});

describe("NonceStore.redeem", () => {
  test("set full of unexpired nonces → full (nothing evicted); once they expire → room again", () => {
    let t = 0;
    const s = new NonceStore({ ttlMs: 100, maxRedeemed: 3, now: () => t });
    const first = [s.issue(), s.issue(), s.issue()];
    for (const n of first) expect(s.redeem(n)).toBe("ok");
    const next = s.issue();
    expect(s.redeem(next)).toBe("full");
    expect(s.size).toBe(3);
    for (const n of first) expect(s.check(n)).toBe("replayed");
    t += 101;
    const later = s.issue();
    expect(s.redeem(later)).toBe("ok");
    expect(s.size).toBe(1);
  });

  test("steady traffic far below the cap → the set holds one TTL's worth, not everything ever redeemed", () => {
    let t = 0;
    const s = new NonceStore({ ttlMs: 1_000, maxRedeemed: 100_000, now: () => t });
    for (let i = 0; i < 10_000; i++) {
      t += 10; // 100 admissions per second for 100 seconds
      expect(s.redeem(s.issue())).toBe("ok");
    }
    expect(s.size).toBeLessThanOrEqual(101);
  });
});
