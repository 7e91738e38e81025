// Mesh credentials for proxy tests, issued by the Coordinator's own CA code (root → mesh CA → workload leaf).

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type CertificateAuthority, createCertificateAuthority, issueMeshCert } from "../../src/crypto/ca.ts";
import { exportEcPrivateKeyPkcs8Pem, generateEcKeyPair } from "../../src/crypto/keys.ts";
import { defaultRandom } from "../../src/crypto/random.ts";

export interface WorkloadCredentials {
  readonly key: string;
  /** Leaf + root-signed intermediate, as the Coordinator returns it. */
  readonly cert: string;
  /** The mesh CA the workload trusts. */
  readonly ca: string;
}

/** A fresh Coordinator CA: another call gives "another Coordinator" with the same names but other keys. */
export async function createMeshCa(): Promise<CertificateAuthority> {
  const ctx = { now: new Date(), random: defaultRandom };
  return createCertificateAuthority(await generateEcKeyPair("P-384"), await generateEcKeyPair("P-384"), ctx);
}

export async function issueWorkload(
  ca: CertificateAuthority,
  sans: readonly string[],
): Promise<WorkloadCredentials> {
  const key = await generateEcKeyPair("P-256");
  const leaf = await issueMeshCert(
    ca,
    { publicKey: key.publicKey, sans },
    { now: new Date(), random: defaultRandom },
  );
  return { key: await exportEcPrivateKeyPkcs8Pem(key), cert: leaf + ca.intermediatePem, ca: ca.meshCAPem };
}

/** Writes the Initializer's tls-config layout into `dir` and returns `dir`. */
export function writeTlsDir(dir: string, c: WorkloadCredentials): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "mesh-ca.pem"), c.ca);
  writeFileSync(join(dir, "certChain.pem"), c.cert);
  writeFileSync(join(dir, "key.pem"), c.key);
  return dir;
}
