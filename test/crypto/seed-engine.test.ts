import { describe, expect, test } from "bun:test";
import { toHex } from "../../src/common/bytes.ts";
import { ConfigError } from "../../src/common/errors.ts";
import { deriveEcdsaScalar } from "../../src/crypto/det-keygen.ts";
import { hkdfSha256 } from "../../src/crypto/hkdf.ts";
import { exportEcPrivateScalar, exportPublicKeySpki } from "../../src/crypto/keys.ts";
import { createSeedEngine } from "../../src/crypto/seed-engine.ts";
import { expectCode } from "../support/expect-error.ts";

const seed = new Uint8Array(64).map((_, i) => i);
const salt = new Uint8Array(32).map((_, i) => 100 + i);

describe("createSeedEngine", () => {
  test("same seed and salt → same root, signing key and workload secrets (recovery)", async () => {
    const a = await createSeedEngine(seed, salt);
    const b = await createSeedEngine(seed.slice(), salt.slice());
    expect(toHex(await exportPublicKeySpki(a.rootCAKey.publicKey))).toBe(
      toHex(await exportPublicKeySpki(b.rootCAKey.publicKey)),
    );
    expect(toHex(await exportEcPrivateScalar(a.transactionSigningKey.privateKey))).toBe(
      toHex(await exportEcPrivateScalar(b.transactionSigningKey.privateKey)),
    );
    expect(toHex(a.deriveWorkloadSecret("apps/v1/Deployment/default/web"))).toBe(
      toHex(b.deriveWorkloadSecret("apps/v1/Deployment/default/web")),
    );
  });

  test("derivation → follows the reference formulas", async () => {
    const e = await createSeedEngine(seed, salt);
    const rootSeed = hkdfSha256(seed, salt, "ROOT CA SEED", 64);
    expect(toHex(await exportEcPrivateScalar(e.rootCAKey.privateKey))).toBe(
      toHex(deriveEcdsaScalar("P-384", rootSeed)),
    );
    const txSeed = hkdfSha256(seed, salt, "TRANSACTION SIGNING SECRET", 64);
    expect(toHex(await exportEcPrivateScalar(e.transactionSigningKey.privateKey))).toBe(
      toHex(deriveEcdsaScalar("P-384", txSeed)),
    );
    const pod = hkdfSha256(seed, salt, "POD STATE SECRET", 64);
    const ws = e.deriveWorkloadSecret("x");
    expect(ws.length).toBe(64);
    expect(toHex(ws)).toBe(toHex(hkdfSha256(pod, salt, "WORKLOAD SECRET ID: x", 64)));
    expect(e.rootCAKey.curve).toBe("P-384");
  });

  test("different workload ids or salt → different secrets", async () => {
    const a = await createSeedEngine(seed, salt);
    const other = salt.slice();
    other[0] = 0;
    const b = await createSeedEngine(seed, other);
    expect(toHex(a.deriveWorkloadSecret("a"))).not.toBe(toHex(a.deriveWorkloadSecret("b")));
    expect(toHex(a.deriveWorkloadSecret("a"))).not.toBe(toHex(b.deriveWorkloadSecret("a")));
  });

  test("seed of 31 bytes → ConfigError seed_too_short", async () => {
    await expectCode(() => createSeedEngine(new Uint8Array(31), salt), ConfigError, "seed_too_short");
  });

  test("salt of 33 bytes → ConfigError invalid_salt", async () => {
    await expectCode(() => createSeedEngine(seed, new Uint8Array(33)), ConfigError, "invalid_salt");
  });

  test("empty workload secret id → ConfigError invalid_workload_secret_id", async () => {
    const e = await createSeedEngine(seed, salt);
    await expectCode(() => e.deriveWorkloadSecret(""), ConfigError, "invalid_workload_secret_id");
  });
});
