import { beforeAll, describe, expect, test } from "bun:test";
import { toHex } from "../../src/common/bytes.ts";
import { ParseError, VerificationError } from "../../src/common/errors.ts";
import { exportRsaPublicKeyPkcs1, generateRsaKeyPair, type RsaKeyPair } from "../../src/crypto/rsa-keys.ts";
import {
  createSeedShareDocument,
  decryptSeedShare,
  parseSeedShareDocument,
  type SeedShareDocument,
} from "../../src/crypto/seedshare.ts";
import { expectCode } from "../support/expect-error.ts";

let alice: RsaKeyPair;
let bob: RsaKeyPair;
let mallory: RsaKeyPair;
const seed = new Uint8Array(64).map((_, i) => i);
const salt = new Uint8Array(32).map((_, i) => 255 - i);

beforeAll(async () => {
  [alice, bob, mallory] = await Promise.all([
    generateRsaKeyPair(2048),
    generateRsaKeyPair(2048),
    generateRsaKeyPair(2048),
  ]);
});

async function makeDoc(): Promise<SeedShareDocument> {
  const keys = [await exportRsaPublicKeyPkcs1(alice.publicKey), await exportRsaPublicKeyPkcs1(bob.publicKey)];
  return createSeedShareDocument(keys, seed, salt);
}

describe("createSeedShareDocument / decryptSeedShare", () => {
  test("two owners → each recovers the same seed and salt", async () => {
    const doc = JSON.parse(JSON.stringify(await makeDoc())) as unknown;
    for (const owner of [alice, bob]) {
      const got = await decryptSeedShare(doc, owner);
      expect(toHex(got.seed)).toBe(toHex(seed));
      expect(toHex(got.salt)).toBe(toHex(salt));
    }
  });

  test("owner not in the document → VerificationError seedshare_not_found", async () => {
    await expectCode(
      async () => decryptSeedShare(await makeDoc(), mallory),
      VerificationError,
      "seedshare_not_found",
    );
  });

  test("tampered ciphertext → VerificationError seedshare_decrypt_failed", async () => {
    const doc = await makeDoc();
    const share = doc.SeedShares[0];
    if (share === undefined) throw new Error("no share");
    const ct = Buffer.from(share.EncryptedSeed, "base64");
    ct[10] = (ct[10] ?? 0) ^ 1;
    const bad = { ...doc, SeedShares: [{ ...share, EncryptedSeed: ct.toString("base64") }] };
    await expectCode(() => decryptSeedShare(bad, alice), VerificationError, "seedshare_decrypt_failed");
  });
});

describe("parseSeedShareDocument", () => {
  const rows: [string, (d: Record<string, unknown>) => void][] = [
    ["salt of 31 bytes", (d) => (d.Salt = Buffer.alloc(31).toString("base64"))],
    ["salt missing", (d) => delete d.Salt],
    ["shares not an array", (d) => (d.SeedShares = {})],
    ["public key uppercase hex", (d) => (d.SeedShares = [{ PublicKey: "AB", EncryptedSeed: "AAAA" }])],
    ["encrypted seed not base64", (d) => (d.SeedShares = [{ PublicKey: "ab", EncryptedSeed: "!!" }])],
  ];
  test("valid baseline → accepted", async () => {
    expect(parseSeedShareDocument(await makeDoc()).SeedShares.length).toBe(2);
  });
  for (const [name, change] of rows) {
    test(`${name} → ParseError`, async () => {
      const doc = JSON.parse(JSON.stringify(await makeDoc())) as Record<string, unknown>;
      change(doc);
      let caught: unknown;
      try {
        parseSeedShareDocument(doc);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(ParseError);
    });
  }
});
