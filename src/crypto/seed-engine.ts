// The Coordinator's key hierarchy from seed + salt (edgelesssys/contrast coordinator/internal/seedengine): HKDF sub-secrets, derived P-384 keys.
//
//   podStateSeed  = HKDF-SHA256(seed, salt, "POD STATE SECRET",           len(seed))
//   historySeed   = HKDF-SHA256(seed, salt, "HISTORY SECRET",             len(seed))
//   txSigningSeed = HKDF-SHA256(seed, salt, "TRANSACTION SIGNING SECRET", len(seed))
//   rootCASeed    = HKDF-SHA256(seed, salt, "ROOT CA SEED",               len(seed))
//   transactionSigningKey = det-keygen P-384 (txSigningSeed);  rootCAKey = det-keygen P-384 (rootCASeed)
//   workload secret(id)   = HKDF-SHA256(podStateSeed, salt, "WORKLOAD SECRET ID: " + id, 64)
// Everything is a pure function of (seed, salt): after recovery the root CA key, the signing key and every workload
// secret are exactly as before.

import { ConfigError } from "../common/errors.ts";
import { deriveEcdsaScalar } from "./det-keygen.ts";
import { hkdfSha256 } from "./hkdf.ts";
import { type EcKeyPair, ecKeyPairFromScalar } from "./keys.ts";

export const SALT_LENGTH = 32;
export const MIN_SEED_LENGTH = 32;
export const WORKLOAD_SECRET_LENGTH = 64;

export interface SeedEngine {
  readonly seed: Uint8Array;
  readonly salt: Uint8Array;
  /** HISTORY SECRET sub-secret (reserved by the reference for history encryption). */
  readonly historySeed: Uint8Array;
  /** Signs `transitions/latest` (P-384). */
  readonly transactionSigningKey: EcKeyPair;
  /** Root CA key (P-384), stable for the lifetime of the deployment. */
  readonly rootCAKey: EcKeyPair;
  /** 64-byte workload secret for a manifest `WorkloadSecretID`. */
  deriveWorkloadSecret(workloadSecretId: string): Uint8Array;
}

export async function createSeedEngine(seed: Uint8Array, salt: Uint8Array): Promise<SeedEngine> {
  if (seed.length < MIN_SEED_LENGTH) {
    throw new ConfigError(
      "seed_too_short",
      `seed: expected at least ${MIN_SEED_LENGTH} bytes, got ${seed.length}`,
      {
        field: "seed",
      },
    );
  }
  if (salt.length !== SALT_LENGTH) {
    throw new ConfigError("invalid_salt", `salt: expected ${SALT_LENGTH} bytes, got ${salt.length}`, {
      field: "salt",
    });
  }
  const s = seed.slice();
  const t = salt.slice();
  const sub = (info: string) => hkdfSha256(s, t, info, s.length);
  const podStateSeed = sub("POD STATE SECRET");
  const historySeed = sub("HISTORY SECRET");
  const transactionSigningKey = await ecKeyPairFromScalar(
    "P-384",
    deriveEcdsaScalar("P-384", sub("TRANSACTION SIGNING SECRET")),
  );
  const rootCAKey = await ecKeyPairFromScalar("P-384", deriveEcdsaScalar("P-384", sub("ROOT CA SEED")));
  return {
    seed: s,
    salt: t,
    historySeed,
    transactionSigningKey,
    rootCAKey,
    deriveWorkloadSecret(workloadSecretId: string): Uint8Array {
      if (typeof workloadSecretId !== "string" || workloadSecretId === "") {
        throw new ConfigError("invalid_workload_secret_id", "workloadSecretId: expected non-empty string", {
          field: "workloadSecretId",
        });
      }
      return hkdfSha256(podStateSeed, t, `WORKLOAD SECRET ID: ${workloadSecretId}`, WORKLOAD_SECRET_LENGTH);
    },
  };
}
