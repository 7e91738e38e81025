import { describe, expect, test } from "bun:test";
import { NonceStore } from "../../src/coordinator/nonce-store.ts";

describe("NonceStore.consume", () => {
  test("fresh nonce → accepted once, replay → refused", () => {
    const s = new NonceStore();
    const n = s.issue();
    expect(n.length).toBe(32);
    expect(s.consume(n)).toBe(true);
    expect(s.consume(n)).toBe(false);
  });
  test("unknown nonce → refused", () => {
    const s = new NonceStore();
    s.issue();
    expect(s.consume(new Uint8Array(32))).toBe(false);
  });
  test("expired nonce → refused", () => {
    let t = 1000;
    const s = new NonceStore({ ttlMs: 10, now: () => t });
    const n = s.issue();
    t += 11;
    expect(s.consume(n)).toBe(false);
  });
  test("more than maxOutstanding → oldest dropped, size bounded", () => {
    const s = new NonceStore({ maxOutstanding: 3 });
    const first = s.issue();
    for (let i = 0; i < 5; i++) s.issue();
    expect(s.size).toBe(3);
    expect(s.consume(first)).toBe(false);
  });
});
