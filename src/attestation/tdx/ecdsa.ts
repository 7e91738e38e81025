// ECDSA P-256/SHA-256 with raw (IEEE P1363 r‖s) signatures over WebCrypto, as TDX quotes and PCS collateral use.

const P256 = { name: "ECDSA", namedCurve: "P-256" } as const;
const VERIFY = { name: "ECDSA", hash: "SHA-256" } as const;

/** Imports a 64-byte x‖y public key; returns null when the point is not on the curve. */
export async function importP256RawKey(xy: Uint8Array): Promise<CryptoKey | null> {
  if (xy.length !== 64) return null;
  const sec1 = new Uint8Array(65);
  sec1[0] = 0x04;
  sec1.set(xy, 1);
  try {
    return await crypto.subtle.importKey("raw", sec1, P256, false, ["verify"]);
  } catch {
    return null;
  }
}

/** Imports a DER SubjectPublicKeyInfo that must hold a P-256 key; null otherwise. */
export async function importP256Spki(spki: ArrayBuffer): Promise<CryptoKey | null> {
  try {
    return await crypto.subtle.importKey("spki", spki, P256, false, ["verify"]);
  } catch {
    return null;
  }
}

/** Verifies a 64-byte r‖s signature over `data` (WebCrypto hashes it with SHA-256); never throws. */
export async function verifyP256(key: CryptoKey, signature: Uint8Array, data: Uint8Array): Promise<boolean> {
  if (signature.length !== 64) return false;
  try {
    return await crypto.subtle.verify(
      VERIFY,
      key,
      signature as Uint8Array<ArrayBuffer>,
      data as Uint8Array<ArrayBuffer>,
    );
  } catch {
    return false;
  }
}
