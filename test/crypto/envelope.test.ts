import { describe, expect, test } from "bun:test";
import { toHex } from "../../src/common/bytes.ts";
import { ParseError, VerificationError } from "../../src/common/errors.ts";
import { openEnvelope, sealEnvelope } from "../../src/crypto/envelope.ts";
import { ecKeyPairFromScalar, exportEcPublicPoint, generateEcKeyPair } from "../../src/crypto/keys.ts";
import { expectCode } from "../support/expect-error.ts";
import { createTestRandom } from "./test-random.ts";

const secret = new Uint8Array(64).map((_, i) => i * 3);

// Recorded with the @noble/curves implementation of the sender (before the ECDH moved to WebCrypto).
const KNOWN_ENVELOPE = {
  ephemeralPublicKey:
    "BOn2QzeurPX/rbI8mP+lMoMbA6DUz8Xp03RofSt+rrFyrkQvQdttZVJxx+8sXzgkdkRpNynTvA5jQFc7Z8NRiVw=",
  nonce: "gKZ5X8pv1C2ibf9e",
  ciphertext:
    "KpwLCzYWnJCXPeIwTtaDbOKjM4+h7vgaoUR8qfnDrTi8GAgv/ZWXRK8w/d9bQBx0fRbdDVJcrH9dG8+40KgDVspeOkldyq8r9Xr92aRcJME=",
};

function flip(b64: string, at: number): string {
  const b = Buffer.from(b64, "base64");
  b[at] = (b[at] ?? 0) ^ 1;
  return b.toString("base64");
}

describe("sealEnvelope / openEnvelope", () => {
  test("round trip through json → same secret", async () => {
    const kp = await generateEcKeyPair("P-256");
    const env = JSON.parse(JSON.stringify(await sealEnvelope(kp.publicKey, secret))) as unknown;
    expect(toHex(await openEnvelope(kp.privateKey, env))).toBe(toHex(secret));
  });

  test("two seals of the same secret → different ciphertexts", async () => {
    const kp = await generateEcKeyPair("P-256");
    const a = await sealEnvelope(kp.publicKey, secret);
    const b = await sealEnvelope(kp.publicKey, secret);
    expect(a.ciphertext).not.toBe(b.ciphertext);
    expect(a.ephemeralPublicKey).not.toBe(b.ephemeralPublicKey);
  });

  test("injected randomness → deterministic envelope", async () => {
    const kp = await generateEcKeyPair("P-256");
    const a = await sealEnvelope(kp.publicKey, secret, createTestRandom(5));
    const b = await sealEnvelope(kp.publicKey, secret, createTestRandom(5));
    expect(a).toEqual(b);
  });

  test("fixed recipient and randomness → the recorded contrast envelope v1 bytes (wire format unchanged)", async () => {
    const kp = await ecKeyPairFromScalar(
      "P-256",
      new Uint8Array(32).map((_, i) => i + 1),
    );
    const env = await sealEnvelope(kp.publicKey, secret, createTestRandom(7));
    expect(env).toEqual(KNOWN_ENVELOPE);
    expect(toHex(await openEnvelope(kp.privateKey, env))).toBe(toHex(secret));
    const point = await exportEcPublicPoint(kp.publicKey);
    expect(await sealEnvelope(kp.publicKey, secret, createTestRandom(7), point)).toEqual(KNOWN_ENVELOPE);
  });

  test("a recipient point passed that is not an uncompressed p-256 point → ParseError unsupported_key", async () => {
    const kp = await generateEcKeyPair("P-256");
    const point = await exportEcPublicPoint(kp.publicKey);
    await expectCode(
      () => sealEnvelope(kp.publicKey, secret, undefined, point.subarray(0, 33)),
      ParseError,
      "unsupported_key",
    );
  });

  test("tampered ciphertext, nonce or wrong recipient → VerificationError envelope_invalid", async () => {
    const kp = await generateEcKeyPair("P-256");
    const other = await generateEcKeyPair("P-256");
    const env = await sealEnvelope(kp.publicKey, secret);
    let ran = 0;
    for (const [key, e] of [
      [kp, { ...env, ciphertext: flip(env.ciphertext, 0) }],
      [kp, { ...env, ciphertext: flip(env.ciphertext, 70) }],
      [kp, { ...env, nonce: flip(env.nonce, 0) }],
      [other, env],
    ] as const) {
      await expectCode(() => openEnvelope(key.privateKey, e), VerificationError, "envelope_invalid");
      ran++;
    }
    expect(ran).toBe(4);
  });

  test("ephemeral key replaced by another valid point → VerificationError envelope_invalid", async () => {
    const kp = await generateEcKeyPair("P-256");
    const env = await sealEnvelope(kp.publicKey, secret);
    const other = await sealEnvelope(kp.publicKey, secret);
    await expectCode(
      () => openEnvelope(kp.privateKey, { ...env, ephemeralPublicKey: other.ephemeralPublicKey }),
      VerificationError,
      "envelope_invalid",
    );
  });

  const shapeRows: [string, (e: Record<string, unknown>) => void][] = [
    ["nonce of 11 bytes", (e) => (e.nonce = Buffer.alloc(11).toString("base64"))],
    ["ciphertext shorter than the tag", (e) => (e.ciphertext = Buffer.alloc(15).toString("base64"))],
    ["ephemeral key compressed", (e) => (e.ephemeralPublicKey = Buffer.alloc(33, 2).toString("base64"))],
    [
      "ephemeral key not on the curve",
      (e) => (e.ephemeralPublicKey = Buffer.from([4, ...Array(64).fill(1)]).toString("base64")),
    ],
    ["nonce missing", (e) => delete e.nonce],
    ["ciphertext not base64", (e) => (e.ciphertext = "***")],
  ];
  for (const [name, change] of shapeRows) {
    test(`${name} → ParseError`, async () => {
      const kp = await generateEcKeyPair("P-256");
      const env = { ...(await sealEnvelope(kp.publicKey, secret)) } as Record<string, unknown>;
      change(env);
      let caught: unknown;
      try {
        await openEnvelope(kp.privateKey, env);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(ParseError);
    });
  }

  test("p-384 recipient → ParseError unsupported_key", async () => {
    const kp = await generateEcKeyPair("P-384");
    await expectCode(() => sealEnvelope(kp.publicKey, secret), ParseError, "unsupported_key");
  });
});
