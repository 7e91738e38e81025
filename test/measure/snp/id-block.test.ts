// SNP ID block / ID auth: the published sev-snp-measure vector, signatures checked by WebCrypto, bad inputs.

import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { p384 } from "@noble/curves/nist.js";
import { concatBytes, fromBase64, toBase64, toHex } from "../../../src/common/bytes.ts";
import { ConfigError, ParseError } from "../../../src/common/errors.ts";
import { computeAmdKeyDigest, encodeAmdPublicKey } from "../../../src/measure/snp/amd-public-key.ts";
import { buildSnpIdBlock, encodeIdBlock } from "../../../src/measure/snp/id-block.ts";
import { parseP384PrivateKeyPem } from "../../../src/measure/snp/p384-private-key.ts";
import { expectError } from "../../support/expect-error.ts";

const pem = (name: string) => readFileSync(join(import.meta.dir, "testdata", name), "utf8");
const ID_KEY = parseP384PrivateKeyPem(pem("id_key_test.pem"));
const AUTHOR_KEY = parseP384PrivateKeyPem(pem("author_key_test.pem"));
const LD = fromBase64("B28FLQi9p6cAqipgjFyqawDrrSl7bWioWkWx5mmlWLZ+G5HShKMB/mPE+gdQRn7t");

/** Converts an SNP-format signature (R, S little-endian in 72-byte fields) to P1363 r ‖ s. */
function toP1363(sig: Uint8Array): Uint8Array {
  const be = (at: number) => sig.slice(at, at + 48).reverse();
  expect(sig.subarray(48, 72).every((b) => b === 0)).toBe(true);
  return concatBytes(be(0), be(0x48));
}

/** AMD public key → raw uncompressed point for WebCrypto. */
function toRawPoint(amd: Uint8Array): Uint8Array {
  return concatBytes(new Uint8Array([4]), amd.slice(4, 52).reverse(), amd.slice(0x4c, 0x4c + 48).reverse());
}

async function verify(amdKey: Uint8Array, sig: Uint8Array, message: Uint8Array): Promise<boolean> {
  const key = await crypto.subtle.importKey(
    "raw",
    new Uint8Array(toRawPoint(amdKey)),
    { name: "ECDSA", namedCurve: "P-384" },
    false,
    ["verify"],
  );
  return crypto.subtle.verify(
    { name: "ECDSA", hash: "SHA-384" },
    key,
    new Uint8Array(toP1363(sig)),
    new Uint8Array(message),
  );
}

describe("buildSnpIdBlock", () => {
  const b = buildSnpIdBlock({ launchDigest: LD, policy: 0x30000n }, ID_KEY, AUTHOR_KEY);
  test("upstream test keys → published id block and key digests", () => {
    expect(toBase64(b.idBlock)).toBe(
      "B28FLQi9p6cAqipgjFyqawDrrSl7bWioWkWx5mmlWLZ+G5HShKMB/mPE+gdQRn7tAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABAAAAAAAAAAAAAwAAAAAA",
    );
    expect(toBase64(b.idKeyDigest)).toBe("hwt+NcU/inLQ0yL3WrKvgmJ5Kq9leWIs5BMcPyHyied8sFYKXjuQs5MuZ07HCcsU");
    expect(toBase64(b.authorKeyDigest!)).toBe(
      "YxEcNLv8Ckk4+aAJvQdJgNgXIyPmFZnJ/TNtqGcySOHcqY0L6PdjdqEGuK/UwKBX",
    );
  });
  test("id auth signatures → verify with WebCrypto over the id block and the id key", async () => {
    expect(b.idAuth.length).toBe(4096);
    const idKey = b.idAuth.subarray(0x240, 0x644);
    expect(await verify(idKey, b.idAuth.subarray(0x40, 0x240), b.idBlock)).toBe(true);
    expect(await verify(b.idAuth.subarray(0x880, 0xc84), b.idAuth.subarray(0x680, 0x880), idKey)).toBe(true);
    expect(toHex(computeAmdKeyDigest(idKey))).toBe(toHex(b.idKeyDigest));
  });
  test("tampered id block → signature no longer verifies", async () => {
    const tampered = b.idBlock.slice();
    tampered[0]! ^= 1;
    expect(await verify(b.idAuth.subarray(0x240, 0x644), b.idAuth.subarray(0x40, 0x240), tampered)).toBe(
      false,
    );
  });
  test("no author key → AUTH_KEY_ALGO and author fields zero, no author digest", () => {
    const only = buildSnpIdBlock({ launchDigest: LD, policy: 0x30000n }, ID_KEY);
    expect(only.authorKeyDigest).toBeUndefined();
    expect(only.idAuth.subarray(4, 8).every((x) => x === 0)).toBe(true);
    expect(only.idAuth.subarray(0x680).every((x) => x === 0)).toBe(true);
  });
});

describe("encodeIdBlock", () => {
  const base = { launchDigest: LD, policy: 0x30000n };
  const rows: [string, Parameters<typeof encodeIdBlock>[0]][] = [
    ["policy without reserved bit 17", { ...base, policy: 0x10000n }],
    ["policy beyond 64 bits", { ...base, policy: 1n << 64n }],
    ["launch digest of 32 bytes", { ...base, launchDigest: new Uint8Array(32) }],
    ["family id of 15 bytes", { ...base, familyId: new Uint8Array(15) }],
    ["negative guest svn", { ...base, guestSvn: -1 }],
  ];
  for (const [name, fields] of rows) {
    test(`${name} → ConfigError invalid_id_block`, () =>
      expectError(() => encodeIdBlock(fields), ConfigError, "invalid_id_block"));
  }
});

describe("parseP384PrivateKeyPem", () => {
  test("PKCS#8 of the same key → same scalar as SEC1", async () => {
    const jwk = {
      kty: "EC",
      crv: "P-384",
      d: Buffer.from(ID_KEY).toString("base64url"),
      x: Buffer.from(p384.getPublicKey(ID_KEY, false).subarray(1, 49)).toString("base64url"),
      y: Buffer.from(p384.getPublicKey(ID_KEY, false).subarray(49)).toString("base64url"),
    };
    const key = await crypto.subtle.importKey("jwk", jwk, { name: "ECDSA", namedCurve: "P-384" }, true, [
      "sign",
    ]);
    const der = new Uint8Array(await crypto.subtle.exportKey("pkcs8", key));
    const pkcs8 = `-----BEGIN PRIVATE KEY-----\n${toBase64(der)}\n-----END PRIVATE KEY-----\n`;
    expect(toHex(parseP384PrivateKeyPem(pkcs8))).toBe(toHex(ID_KEY));
  });
  test("P-256 key → ParseError invalid_private_key", async () => {
    const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
      "sign",
    ])) as CryptoKeyPair;
    const der = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
    const pkcs8 = `-----BEGIN PRIVATE KEY-----\n${toBase64(der)}\n-----END PRIVATE KEY-----\n`;
    expectError(() => parseP384PrivateKeyPem(pkcs8), ParseError, "invalid_private_key");
  });
  test("certificate PEM, garbage and empty input → ParseError", () => {
    expectError(
      () => parseP384PrivateKeyPem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"),
      ParseError,
      "invalid_private_key",
    );
    expectError(
      () => parseP384PrivateKeyPem("-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----"),
      ParseError,
      "invalid_private_key",
    );
    expectError(() => parseP384PrivateKeyPem(""), ParseError, "invalid_private_key");
  });
});

describe("encodeAmdPublicKey", () => {
  test("point not on the curve → error; compressed point → ParseError", () => {
    const bad = p384.getPublicKey(ID_KEY, false).slice();
    bad[96]! ^= 1;
    expect(() => encodeAmdPublicKey(bad)).toThrow();
    expectError(() => encodeAmdPublicKey(p384.getPublicKey(ID_KEY, true)), ParseError, "invalid_public_key");
  });
});
