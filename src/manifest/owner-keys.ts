// Owner key files → the hex public keys the manifest lists (edgelesssys/contrast internal/manifest): PKIX DER for workload owners, PKCS#1 DER for seed-share owners.

import { toHex } from "../common/bytes.ts";
import { ParseError } from "../common/errors.ts";
import {
  exportEcPrivateKeySec1Pem,
  exportPublicKeySpki,
  generateEcKeyPair,
  importEcPrivateKeyPem,
  importEcPublicKeyPem,
} from "../crypto/keys.ts";
import { decodePemBlocks } from "../crypto/pem.ts";
import {
  exportRsaPrivateKeyPem,
  exportRsaPublicKeyPkcs1,
  generateRsaKeyPair,
  importRsaPrivateKeyPem,
  importRsaPublicKeyPem,
} from "../crypto/rsa-keys.ts";

export type OwnerKeyKind = "workload-owner" | "seedshare-owner";

function firstLabel(pem: string, field: string): string {
  const blocks = decodePemBlocks(pem, field);
  const first = blocks[0];
  if (first === undefined || blocks.length !== 1) {
    throw new ParseError("invalid_pem", `${field}: expected one pem block, got ${blocks.length}`, { field });
  }
  return first.label;
}

/** Hex PKIX DER of a workload owner's ECDSA key from `EC PRIVATE KEY`, `PRIVATE KEY` or `PUBLIC KEY` PEM. */
export async function workloadOwnerPublicKeyHex(pem: string, field: string): Promise<string> {
  const publicKey =
    firstLabel(pem, field) === "PUBLIC KEY"
      ? await importEcPublicKeyPem(pem, field)
      : (await importEcPrivateKeyPem(pem, field)).publicKey;
  return toHex(await exportPublicKeySpki(publicKey));
}

/** Hex PKCS#1 DER of a seed-share owner's RSA key from `RSA PRIVATE KEY`, `PRIVATE KEY`, `PUBLIC KEY` or `RSA PUBLIC KEY` PEM. */
export async function seedshareOwnerPublicKeyHex(pem: string, field: string): Promise<string> {
  const label = firstLabel(pem, field);
  const publicKey =
    label === "PUBLIC KEY" || label === "RSA PUBLIC KEY"
      ? await importRsaPublicKeyPem(pem, field)
      : (await importRsaPrivateKeyPem(pem, field)).publicKey;
  return toHex(await exportRsaPublicKeyPkcs1(publicKey));
}

/** The public key hex of an owner key file of either kind. */
export function ownerPublicKeyHex(kind: OwnerKeyKind, pem: string, field: string): Promise<string> {
  return kind === "workload-owner"
    ? workloadOwnerPublicKeyHex(pem, field)
    : seedshareOwnerPublicKeyHex(pem, field);
}

/** A new owner key: ECDSA P-384 (`EC PRIVATE KEY`) or RSA-4096 (`RSA PRIVATE KEY`), as the reference CLI creates them. */
export async function createOwnerKey(
  kind: OwnerKeyKind,
  rsaBits = 4096,
): Promise<{ pem: string; publicKeyHex: string }> {
  if (kind === "workload-owner") {
    const kp = await generateEcKeyPair("P-384");
    return {
      pem: await exportEcPrivateKeySec1Pem(kp),
      publicKeyHex: toHex(await exportPublicKeySpki(kp.publicKey)),
    };
  }
  const kp = await generateRsaKeyPair(rsaBits);
  return {
    pem: await exportRsaPrivateKeyPem(kp),
    publicKeyHex: toHex(await exportRsaPublicKeyPkcs1(kp.publicKey)),
  };
}
