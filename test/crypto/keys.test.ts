import { describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toHex } from "../../src/common/bytes.ts";
import { ParseError } from "../../src/common/errors.ts";
import { signEcdsa, verifyEcdsa } from "../../src/crypto/ecdsa.ts";
import {
  curveOf,
  type EcCurve,
  ecKeyPairFromScalar,
  ecPointOfSpki,
  encodePublicKeyPem,
  exportEcPrivateKeyPkcs8Pem,
  exportEcPrivateKeySec1Pem,
  exportEcPrivateScalar,
  exportEcPublicPoint,
  exportPublicKeySpki,
  generateEcKeyPair,
  importEcPrivateKeyPem,
  importEcPublicKeyPem,
  importEcPublicKeySpki,
} from "../../src/crypto/keys.ts";
import { expectCode } from "../support/expect-error.ts";
import { HAS_OPENSSL } from "../support/tools.ts";

describe("importEcPrivateKeyPem", () => {
  for (const curve of ["P-256", "P-384"] as EcCurve[]) {
    test(`${curve} pkcs#8 and sec1 round trip → same scalar and public key`, async () => {
      const kp = await generateEcKeyPair(curve);
      const d = toHex(await exportEcPrivateScalar(kp.privateKey));
      const spki = toHex(await exportPublicKeySpki(kp.publicKey));
      for (const pem of [await exportEcPrivateKeyPkcs8Pem(kp), await exportEcPrivateKeySec1Pem(kp)]) {
        const back = await importEcPrivateKeyPem(pem);
        expect(back.curve).toBe(curve);
        expect(toHex(await exportEcPrivateScalar(back.privateKey))).toBe(d);
        expect(toHex(await exportPublicKeySpki(back.publicKey))).toBe(spki);
      }
    });
  }

  test.skipIf(!HAS_OPENSSL)(
    "openssl-generated sec1 and pkcs#8 keys → import and sign verifiably",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "keys-"));
      let ran = 0;
      for (const [curve, name] of [
        ["P-256", "prime256v1"],
        ["P-384", "secp384r1"],
      ] as const) {
        const sec1 = execFileSync("openssl", ["ecparam", "-name", name, "-genkey", "-noout"]).toString();
        const pkcs8 = execFileSync("openssl", ["pkcs8", "-topk8", "-nocrypt"], { input: sec1 }).toString();
        for (const pem of [sec1, pkcs8]) {
          const kp = await importEcPrivateKeyPem(pem);
          expect(kp.curve).toBe(curve);
          const sig = await signEcdsa(kp.privateKey, new TextEncoder().encode("hello"));
          expect(await verifyEcdsa(kp.publicKey, new TextEncoder().encode("hello"), sig)).toBe(true);
          ran++;
        }
        // our SEC1 output is readable by openssl and names the same public key
        const ours = await exportEcPrivateKeySec1Pem(await importEcPrivateKeyPem(sec1));
        writeFileSync(join(dir, "k.pem"), ours);
        const pubA = execFileSync("openssl", ["ec", "-in", join(dir, "k.pem"), "-pubout"], {
          stdio: "pipe",
        }).toString();
        const pubB = execFileSync("openssl", ["ec", "-pubout"], { input: sec1, stdio: "pipe" }).toString();
        expect(pubA).toBe(pubB);
      }
      expect(ran).toBe(4);
    },
  );

  test("rsa key in pkcs#8 → ParseError unsupported_key", async () => {
    const rsa = await crypto.subtle.generateKey(
      { name: "RSA-PSS", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      true,
      ["sign", "verify"],
    );
    const der = new Uint8Array(await crypto.subtle.exportKey("pkcs8", rsa.privateKey));
    const pem = `-----BEGIN PRIVATE KEY-----\n${Buffer.from(der).toString("base64")}\n-----END PRIVATE KEY-----\n`;
    await expectCode(() => importEcPrivateKeyPem(pem), ParseError, "unsupported_key");
  });

  test("wrong pem label → ParseError invalid_pem", async () => {
    await expectCode(
      () => importEcPrivateKeyPem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
      ParseError,
      "invalid_pem",
    );
  });

  test("truncated der → ParseError invalid_der", async () => {
    const pem = await exportEcPrivateKeyPkcs8Pem(await generateEcKeyPair("P-256"));
    const der = Buffer.from(pem.split("\n").slice(1, -2).join(""), "base64").subarray(0, 40);
    const bad = `-----BEGIN PRIVATE KEY-----\n${der.toString("base64")}\n-----END PRIVATE KEY-----\n`;
    await expectCode(() => importEcPrivateKeyPem(bad), ParseError, "invalid_der");
  });
});

describe("ecKeyPairFromScalar", () => {
  test("zero scalar → ParseError invalid_key", async () => {
    await expectCode(() => ecKeyPairFromScalar("P-256", new Uint8Array(32)), ParseError, "invalid_key");
  });

  test("wrong length → ParseError invalid_key", async () => {
    await expectCode(
      () => ecKeyPairFromScalar("P-384", new Uint8Array(32).fill(1)),
      ParseError,
      "invalid_key",
    );
  });
});

describe("ecPointOfSpki", () => {
  test("webcrypto's spki of p-256 and p-384 keys → its curve and exported point; other forms → undefined", async () => {
    for (const curve of ["P-256", "P-384"] as const) {
      const kp = await generateEcKeyPair(curve);
      const spki = await exportPublicKeySpki(kp.publicKey);
      const got = ecPointOfSpki(spki);
      expect(got?.curve).toBe(curve);
      expect(toHex(got?.point ?? new Uint8Array())).toBe(toHex(await exportEcPublicPoint(kp.publicKey)));
      const compressed = spki.slice();
      compressed[compressed.length - 2 * (curve === "P-256" ? 32 : 48) - 1] = 0x02;
      expect(ecPointOfSpki(compressed)).toBeUndefined();
      expect(ecPointOfSpki(spki.subarray(0, spki.length - 1))).toBeUndefined();
    }
  });
});

describe("importEcPublicKeySpki", () => {
  test("spki and pem round trip → same key, curve kept", async () => {
    const kp = await generateEcKeyPair("P-384");
    const spki = await exportPublicKeySpki(kp.publicKey);
    const a = await importEcPublicKeySpki(spki);
    const b = await importEcPublicKeyPem(encodePublicKeyPem(spki));
    expect(curveOf(a)).toBe("P-384");
    expect(toHex(await exportPublicKeySpki(b))).toBe(toHex(spki));
  });

  test("point not on the curve → ParseError invalid_key", async () => {
    const spki = await exportPublicKeySpki((await generateEcKeyPair("P-256")).publicKey);
    spki[spki.length - 1] = (spki[spki.length - 1] ?? 0) ^ 1;
    await expectCode(() => importEcPublicKeySpki(spki), ParseError, "invalid_key");
  });

  test("uncompressed p-256 / p-384 point off the curve or at zero → ParseError invalid_key", async () => {
    let ran = 0;
    for (const [curve, coordinate] of [
      ["P-256", 32],
      ["P-384", 48],
    ] as const) {
      const good = await exportPublicKeySpki((await generateEcKeyPair(curve)).publicKey);
      const offCurve = good.slice();
      offCurve[good.length - coordinate / 2] = (offCurve[good.length - coordinate / 2] ?? 0) ^ 0x80; // a bit of y
      const zero = good.slice();
      zero.fill(0, good.length - 2 * coordinate); // x = y = 0 after the 0x04 prefix
      for (const spki of [offCurve, zero]) {
        await expectCode(() => importEcPublicKeySpki(spki), ParseError, "invalid_key");
        ran++;
      }
    }
    expect(ran).toBe(4);
  });

  test("trailing byte after der → ParseError invalid_der", async () => {
    const spki = await exportPublicKeySpki((await generateEcKeyPair("P-256")).publicKey);
    const longer = new Uint8Array(spki.length + 1);
    longer.set(spki);
    await expectCode(() => importEcPublicKeySpki(longer), ParseError, "invalid_der");
  });
});
