import { describe, expect, test } from "bun:test";
import { sha256 } from "@noble/hashes/sha2.js";
import { concatBytes, toHex, utf8 } from "../../src/common/bytes.ts";
import { ParseError } from "../../src/common/errors.ts";
import { verifyEcdsa } from "../../src/crypto/ecdsa.ts";
import { exportPublicKeySpki, generateEcKeyPair } from "../../src/crypto/keys.ts";
import {
  chainTransitionHashes,
  computeTransitionHash,
  signLatestTransition,
  signTransition,
  verifyLatestTransition,
  verifyTransitionSignature,
  ZERO_HASH,
} from "../../src/crypto/transition.ts";
import { expectCode } from "../support/expect-error.ts";

const m1 = utf8('{"Policies":{}}\n');
const m2 = utf8('{"Policies":{} }\n');

describe("computeTransitionHash", () => {
  test("first manifest → sha256(sha256(m) ‖ 32 zero bytes)", () => {
    const expected = sha256(concatBytes(sha256(m1), new Uint8Array(32)));
    expect(toHex(computeTransitionHash(m1, ZERO_HASH))).toBe(toHex(expected));
  });

  test("chain of two → second links the first", () => {
    const t1 = computeTransitionHash(m1, ZERO_HASH);
    expect(toHex(chainTransitionHashes([m1, m2]))).toBe(toHex(computeTransitionHash(m2, t1)));
    expect(toHex(chainTransitionHashes([]))).toBe(toHex(ZERO_HASH));
  });

  test("previous hash of 31 bytes → ParseError invalid_length", async () => {
    await expectCode(() => computeTransitionHash(m1, new Uint8Array(31)), ParseError, "invalid_length");
  });
});

describe("signTransition / verifyTransitionSignature", () => {
  test("owner p-384 key → signature over sha-256 of the lowercase hex verifies", async () => {
    const owner = await generateEcKeyPair("P-384");
    const hash = computeTransitionHash(m1, ZERO_HASH);
    const sig = await signTransition(owner.privateKey, hash);
    // the reference (`contrast sign`): ECDSA over SHA-256(hex string)
    expect(await verifyEcdsa(owner.publicKey, utf8(toHex(hash)), sig, "SHA-256")).toBe(true);
    const other = await generateEcKeyPair("P-256");
    const keys = [await exportPublicKeySpki(other.publicKey), await exportPublicKeySpki(owner.publicKey)];
    expect(await verifyTransitionSignature(keys, hash, sig)).toBe(true);
  });

  test("signature for another transition, unknown key or empty key list → false", async () => {
    const owner = await generateEcKeyPair("P-256");
    const stranger = await generateEcKeyPair("P-256");
    const t1 = computeTransitionHash(m1, ZERO_HASH);
    const t2 = computeTransitionHash(m2, t1);
    const sig = await signTransition(owner.privateKey, t1);
    const ownerSpki = await exportPublicKeySpki(owner.publicKey);
    expect(await verifyTransitionSignature([ownerSpki], t2, sig)).toBe(false);
    expect(await verifyTransitionSignature([await exportPublicKeySpki(stranger.publicKey)], t1, sig)).toBe(
      false,
    );
    expect(await verifyTransitionSignature([], t1, sig)).toBe(false);
  });
});

describe("signLatestTransition / verifyLatestTransition", () => {
  test("signing key → verifies; other key or other hash → false", async () => {
    const key = await generateEcKeyPair("P-384");
    const other = await generateEcKeyPair("P-384");
    const h = computeTransitionHash(m1, ZERO_HASH);
    const sig = await signLatestTransition(key.privateKey, h);
    expect(await verifyLatestTransition(key.publicKey, h, sig)).toBe(true);
    expect(await verifyLatestTransition(other.publicKey, h, sig)).toBe(false);
    expect(await verifyLatestTransition(key.publicKey, computeTransitionHash(m2, ZERO_HASH), sig)).toBe(
      false,
    );
  });
});
