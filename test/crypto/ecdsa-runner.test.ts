import { describe, expect, test } from "bun:test";
import { signEcdsa, verifyEcdsa, verifyEcdsaP1363 } from "../../src/crypto/ecdsa.ts";
import { trackEcdsaWork } from "../../src/crypto/ecdsa-runner.ts";
import { generateEcKeyPair } from "../../src/crypto/keys.ts";

const msg = new TextEncoder().encode("contrast");

async function p1363(key: CryptoKey, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(
    await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-384" }, key, data as Uint8Array<ArrayBuffer>),
  );
}

describe("trackEcdsaWork", () => {
  test("one unit (inline) and 16 concurrent units (thread pool) → every signature verifies", async () => {
    const kp = await generateEcKeyPair("P-384");
    const alone = await trackEcdsaWork(() => signEcdsa(kp.privateKey, msg));
    expect(await verifyEcdsa(kp.publicKey, msg, alone)).toBe(true);
    const sigs = await Promise.all(
      Array.from({ length: 16 }, () => trackEcdsaWork(() => signEcdsa(kp.privateKey, msg))),
    );
    for (const s of sigs) expect(await verifyEcdsa(kp.publicKey, msg, s)).toBe(true);
    expect(sigs.length).toBe(16);
  });

  test("a unit that throws → the error reaches the caller and later units still run", async () => {
    await expect(trackEcdsaWork(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    const kp = await generateEcKeyPair("P-256");
    expect(
      await verifyEcdsa(kp.publicKey, msg, await trackEcdsaWork(() => signEcdsa(kp.privateKey, msg))),
    ).toBe(true);
  });
});

describe("verifyEcdsaP1363", () => {
  test("valid, tampered, wrong-key and malformed signatures, inline and pooled → true only for the valid one", async () => {
    const kp = await generateEcKeyPair("P-384");
    const other = await generateEcKeyPair("P-384");
    const sig = await p1363(kp.privateKey, msg);
    const flipped = sig.slice();
    flipped[10] = (flipped[10] ?? 0) ^ 1;
    const cases: [CryptoKey, Uint8Array, boolean][] = [
      [kp.publicKey, sig, true],
      [kp.publicKey, flipped, false],
      [other.publicKey, sig, false],
      [kp.publicKey, sig.subarray(0, 95), false],
      [kp.publicKey, new Uint8Array(96), false],
      [kp.publicKey, new Uint8Array(0), false],
    ];
    const inline = await Promise.all(cases.map(([k, s]) => verifyEcdsaP1363(k, msg, s, "SHA-384")));
    const pooled = await Promise.all(
      cases.map(([k, s]) => trackEcdsaWork(() => verifyEcdsaP1363(k, msg, s, "SHA-384"))),
    );
    expect(inline).toEqual(cases.map((c) => c[2]));
    expect(pooled).toEqual(cases.map((c) => c[2]));
  });

  test("a non-extractable key (WebCrypto path) → same answers", async () => {
    const kp = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-384" }, false, [
      "sign",
      "verify",
    ]);
    const sig = await p1363(kp.privateKey, msg);
    expect(await verifyEcdsaP1363(kp.publicKey, msg, sig, "SHA-384")).toBe(true);
    expect(await verifyEcdsaP1363(kp.publicKey, new TextEncoder().encode("x"), sig, "SHA-384")).toBe(false);
  });
});
