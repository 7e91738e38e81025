// Reuse of the stored root CA certificate: only when it is self-signed by the key derived from the seed.

import * as x509 from "@peculiar/x509";
import { constantTimeEqual } from "../common/bytes.ts";
import { exportPublicKeySpki } from "../crypto/keys.ts";
import type { SeedEngine } from "../crypto/seed-engine.ts";

/** The stored certificate when it holds the seed's root key and verifies under it; else undefined (regenerate). */
export async function loadRootIfOurs(
  pem: string,
  seed: SeedEngine,
): Promise<{ cert: x509.X509Certificate; pem: string } | undefined> {
  try {
    const cert = new x509.X509Certificate(pem);
    const spki = new Uint8Array(cert.publicKey.rawData);
    const ours = await exportPublicKeySpki(seed.rootCAKey.publicKey);
    if (!constantTimeEqual(spki, ours)) return undefined;
    if (!(await cert.verify({ publicKey: seed.rootCAKey.publicKey, signatureOnly: true }))) return undefined;
    return { cert, pem };
  } catch {
    return undefined; // unreadable or foreign: regenerate
  }
}
