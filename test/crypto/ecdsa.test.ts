import { describe, expect, test } from "bun:test";
import { p384 } from "@noble/curves/nist.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { signEcdsa, signEcdsaDigest, verifyEcdsa, verifyEcdsaDigest } from "../../src/crypto/ecdsa.ts";
import { exportEcPublicPoint, generateEcKeyPair } from "../../src/crypto/keys.ts";

const msg = new TextEncoder().encode("contrast");

describe("signEcdsa / verifyEcdsa", () => {
  test("p-256 and p-384 sign → der signature that verifies", async () => {
    for (const curve of ["P-256", "P-384"] as const) {
      const kp = await generateEcKeyPair(curve);
      const sig = await signEcdsa(kp.privateKey, msg);
      expect(sig[0]).toBe(0x30);
      expect(await verifyEcdsa(kp.publicKey, msg, sig)).toBe(true);
    }
  });

  test("changed message, wrong key, garbage signature → false", async () => {
    const kp = await generateEcKeyPair("P-256");
    const other = await generateEcKeyPair("P-256");
    const sig = await signEcdsa(kp.privateKey, msg);
    expect(await verifyEcdsa(kp.publicKey, new TextEncoder().encode("contrasT"), sig)).toBe(false);
    expect(await verifyEcdsa(other.publicKey, msg, sig)).toBe(false);
    expect(await verifyEcdsa(kp.publicKey, msg, new Uint8Array([0x30, 0x00]))).toBe(false);
    expect(await verifyEcdsa(kp.publicKey, msg, sig.subarray(0, sig.length - 1))).toBe(false);
  });

  test("p-384 key with explicit sha-256 → verifies only with sha-256", async () => {
    const kp = await generateEcKeyPair("P-384");
    const sig = await signEcdsa(kp.privateKey, msg, "SHA-256");
    expect(await verifyEcdsa(kp.publicKey, msg, sig, "SHA-256")).toBe(true);
    expect(await verifyEcdsa(kp.publicKey, msg, sig)).toBe(false);
  });
});

describe("signEcdsaDigest / verifyEcdsaDigest", () => {
  test("32-byte digest with p-384 → verifies as go's VerifyASN1 would (no rehash)", async () => {
    const kp = await generateEcKeyPair("P-384");
    const digest = sha256(msg);
    const sig = await signEcdsaDigest(kp.privateKey, digest);
    expect(await verifyEcdsaDigest(kp.publicKey, digest, sig)).toBe(true);
    // independent check with noble directly: the digest is the message representative
    const point = await exportEcPublicPoint(kp.publicKey);
    expect(p384.verify(sig, digest, point, { prehash: false, format: "der", lowS: false })).toBe(true);
    const flipped = digest.slice();
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(await verifyEcdsaDigest(kp.publicKey, flipped, sig)).toBe(false);
  });
});
