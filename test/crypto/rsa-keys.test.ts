import { describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { toHex } from "../../src/common/bytes.ts";
import { ParseError } from "../../src/common/errors.ts";
import { encodePublicKeyPem, exportPublicKeySpki } from "../../src/crypto/keys.ts";
import {
  exportRsaPrivateKeyPem,
  exportRsaPublicKeyPkcs1,
  generateRsaKeyPair,
  importRsaPrivateKeyPem,
  importRsaPublicKeyPem,
  importRsaPublicKeyPkcs1,
} from "../../src/crypto/rsa-keys.ts";
import { expectCode } from "../support/expect-error.ts";
import { HAS_OPENSSL } from "../support/tools.ts";

describe("generateRsaKeyPair", () => {
  test("default → 4096-bit key whose pkcs#1 pem round trips", async () => {
    const kp = await generateRsaKeyPair();
    expect((kp.publicKey.algorithm as unknown as { modulusLength: number }).modulusLength).toBe(4096);
    const pem = await exportRsaPrivateKeyPem(kp);
    expect(pem.startsWith("-----BEGIN RSA PRIVATE KEY-----\n")).toBe(true);
    const back = await importRsaPrivateKeyPem(pem);
    expect(toHex(await exportRsaPublicKeyPkcs1(back.publicKey))).toBe(
      toHex(await exportRsaPublicKeyPkcs1(kp.publicKey)),
    );
  });
});

describe("importRsaPublicKeyPkcs1", () => {
  test("pkcs#1 der and spki pem → same public key", async () => {
    const kp = await generateRsaKeyPair(2048);
    const pkcs1 = await exportRsaPublicKeyPkcs1(kp.publicKey);
    expect(pkcs1[0]).toBe(0x30);
    const a = await importRsaPublicKeyPkcs1(pkcs1);
    const b = await importRsaPublicKeyPem(encodePublicKeyPem(await exportPublicKeySpki(kp.publicKey)));
    expect(toHex(await exportRsaPublicKeyPkcs1(a))).toBe(toHex(pkcs1));
    expect(toHex(await exportRsaPublicKeyPkcs1(b))).toBe(toHex(pkcs1));
  });

  test("1024-bit key → ParseError weak_key", async () => {
    const kp = await generateRsaKeyPair(1024);
    await expectCode(
      async () => importRsaPublicKeyPkcs1(await exportRsaPublicKeyPkcs1(kp.publicKey)),
      ParseError,
      "weak_key",
    );
  });

  test("garbage der → ParseError invalid_key", async () => {
    await expectCode(
      () => importRsaPublicKeyPkcs1(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01])),
      ParseError,
      "invalid_key",
    );
  });

  test.skipIf(!HAS_OPENSSL)(
    "openssl -traditional rsa key → imports; our pkcs#1 matches openssl's",
    async () => {
      const pem = execFileSync("openssl", ["genrsa", "-traditional", "2048"], { stdio: "pipe" }).toString();
      const kp = await importRsaPrivateKeyPem(pem);
      const theirs = execFileSync("openssl", ["rsa", "-RSAPublicKey_out", "-outform", "DER"], {
        input: pem,
        stdio: "pipe",
      });
      expect(toHex(await exportRsaPublicKeyPkcs1(kp.publicKey))).toBe(toHex(new Uint8Array(theirs)));
    },
  );
});
