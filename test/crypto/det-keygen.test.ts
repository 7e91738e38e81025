import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fromBase64, toHex } from "../../src/common/bytes.ts";
import { ConfigError } from "../../src/common/errors.ts";
import { type DetKeygenCurve, deriveEcdsaScalar } from "../../src/crypto/det-keygen.ts";
import { parsePrivateKeyInfo, parseSec1PrivateKey } from "../../src/crypto/key-der.ts";
import { expectError } from "../support/expect-error.ts";

interface Vector {
  curve: string;
  seed: string;
  private_key_pkcs8: string;
}

const CURVES: Record<string, DetKeygenCurve> = { secp256r1: "P-256", secp384r1: "P-384", secp521r1: "P-521" };
const vectors = JSON.parse(
  readFileSync(join(import.meta.dir, "testdata", "det-keygen.json"), "utf8"),
) as Vector[];

describe("deriveEcdsaScalar", () => {
  test("c2sp det-keygen vectors → derived scalar equals published key", () => {
    let ran = 0;
    for (const v of vectors) {
      const curve = CURVES[v.curve];
      if (curve === undefined) continue; // P-224 is not supported by this project
      const expected = parseSec1PrivateKey(
        parsePrivateKeyInfo(fromBase64(v.private_key_pkcs8), "v").privateKey,
        "v",
      ).d;
      expect(`${v.curve} ${toHex(deriveEcdsaScalar(curve, fromBase64(v.seed)))}`).toBe(
        `${v.curve} ${toHex(expected)}`,
      );
      ran++;
    }
    expect(ran).toBe(16);
  });

  test("same seed twice → same key", () => {
    const seed = new Uint8Array(64).fill(7);
    expect(toHex(deriveEcdsaScalar("P-384", seed))).toBe(toHex(deriveEcdsaScalar("P-384", seed)));
  });

  test("seeds differing in one bit → different keys", () => {
    const a = new Uint8Array(64).fill(7);
    const b = a.slice();
    b[63] = 6;
    expect(toHex(deriveEcdsaScalar("P-384", a))).not.toBe(toHex(deriveEcdsaScalar("P-384", b)));
  });

  test("same seed on different curves → unrelated keys (personalization string)", () => {
    const seed = new Uint8Array(32).fill(1);
    expect(toHex(deriveEcdsaScalar("P-384", seed)).slice(0, 64)).not.toBe(
      toHex(deriveEcdsaScalar("P-256", seed)),
    );
  });

  test("seed shorter than 16 bytes → ConfigError seed_too_short", () => {
    expectError(() => deriveEcdsaScalar("P-384", new Uint8Array(15)), ConfigError, "seed_too_short");
  });
});
