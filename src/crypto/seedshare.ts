// Seed shares (edgelesssys/contrast coordinator/internal/userapi, SetManifest): the seed RSA-OAEP-encrypted (SHA-256, label "seedshare") to every owner.

import { constantTimeEqual, fromBase64, fromHex, toBase64, toHex, utf8 } from "../common/bytes.ts";
import { describeValue, ParseError, VerificationError } from "../common/errors.ts";
import { asBufferSource } from "./buffer-source.ts";
import { exportRsaPublicKeyPkcs1, importRsaPublicKeyPkcs1, type RsaKeyPair } from "./rsa-keys.ts";

export const SEEDSHARE_LABEL = "seedshare";

export interface SeedShare {
  /** Hex of the owner's PKCS#1 RSAPublicKey DER (as in the manifest's SeedshareOwnerPubKeys). */
  readonly PublicKey: string;
  /** Standard base64 of the RSA-OAEP ciphertext of the seed. */
  readonly EncryptedSeed: string;
}

export interface SeedShareDocument {
  readonly SeedShares: readonly SeedShare[];
  /** Standard base64 of the 32-byte salt (not secret). */
  readonly Salt: string;
}

/** Encrypts `seed` to each owner key (PKCS#1 DER) and returns the document the CLI stores as seed-shares.json. */
export async function createSeedShareDocument(
  ownerPubKeys: readonly Uint8Array[],
  seed: Uint8Array,
  salt: Uint8Array,
): Promise<SeedShareDocument> {
  const shares: SeedShare[] = [];
  for (const [i, der] of ownerPubKeys.entries()) {
    const key = await importRsaPublicKeyPkcs1(der, `SeedshareOwnerPubKeys[${i}]`);
    const ct = await crypto.subtle.encrypt(
      { name: "RSA-OAEP", label: asBufferSource(utf8(SEEDSHARE_LABEL)) },
      key,
      asBufferSource(seed),
    );
    shares.push({ PublicKey: toHex(der), EncryptedSeed: toBase64(new Uint8Array(ct)) });
  }
  return { SeedShares: shares, Salt: toBase64(salt) };
}

/** Finds the share for `owner` and decrypts it. Returns seed and salt for `recover`. */
export async function decryptSeedShare(
  doc: unknown,
  owner: RsaKeyPair,
): Promise<{ seed: Uint8Array; salt: Uint8Array }> {
  const parsed = parseSeedShareDocument(doc);
  const mine = await exportRsaPublicKeyPkcs1(owner.publicKey);
  const share = parsed.SeedShares.find((s) => constantTimeEqual(fromHex(s.PublicKey, "PublicKey"), mine));
  if (share === undefined) {
    throw new VerificationError("seedshare_not_found", "SeedShares: no share for this seed-share owner key", {
      field: "SeedShares",
    });
  }
  try {
    const seed = await crypto.subtle.decrypt(
      { name: "RSA-OAEP", label: asBufferSource(utf8(SEEDSHARE_LABEL)) },
      owner.privateKey,
      asBufferSource(fromBase64(share.EncryptedSeed, "EncryptedSeed")),
    );
    return { seed: new Uint8Array(seed), salt: fromBase64(parsed.Salt, "Salt") };
  } catch {
    throw new VerificationError("seedshare_decrypt_failed", "SeedShares.EncryptedSeed: decryption failed", {
      field: "SeedShares.EncryptedSeed",
    });
  }
}

/** Validates the JSON shape of a seed share document (all hex/base64 checked, salt 32 bytes). */
export function parseSeedShareDocument(v: unknown): SeedShareDocument {
  const bad = (field: string, expected: string, got: unknown): never => {
    throw new ParseError(
      "invalid_seedshare_document",
      `${field}: expected ${expected}, got ${describeValue(got)}`,
      {
        field,
      },
    );
  };
  if (typeof v !== "object" || v === null || Array.isArray(v)) return bad("SeedShareDocument", "object", v);
  const o = v as Record<string, unknown>;
  if (typeof o.Salt !== "string" || fromBase64(o.Salt, "Salt").length !== 32)
    bad("Salt", "base64 of 32 bytes", o.Salt);
  if (!Array.isArray(o.SeedShares)) return bad("SeedShares", "array", o.SeedShares);
  const shares = o.SeedShares.map((s: unknown, i: number): SeedShare => {
    const f = `SeedShares[${i}]`;
    if (typeof s !== "object" || s === null) return bad(f, "object", s);
    const r = s as Record<string, unknown>;
    if (typeof r.PublicKey !== "string" || !/^[0-9a-f]+$/.test(r.PublicKey))
      bad(`${f}.PublicKey`, "lowercase hex", r.PublicKey);
    if (typeof r.EncryptedSeed !== "string") bad(`${f}.EncryptedSeed`, "base64 string", r.EncryptedSeed);
    fromBase64(r.EncryptedSeed as string, `${f}.EncryptedSeed`);
    return { PublicKey: r.PublicKey as string, EncryptedSeed: r.EncryptedSeed as string };
  });
  return { SeedShares: shares, Salt: o.Salt as string };
}
