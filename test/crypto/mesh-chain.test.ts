// The Initializer's check of a mesh certificate answer: one valid baseline, one change per row, the code in the row.

import { beforeAll, describe, expect, test } from "bun:test";
import { VerificationError } from "../../src/common/errors.ts";
import { type CertificateAuthority, createCertificateAuthority, issueMeshCert } from "../../src/crypto/ca.ts";
import { exportPublicKeySpki, generateEcKeyPair } from "../../src/crypto/keys.ts";
import { checkMeshCertChain, type MeshChainInput } from "../../src/crypto/mesh-chain.ts";
import { defaultRandom } from "../../src/crypto/random.ts";
import { expectCode } from "../support/expect-error.ts";

const now = new Date("2026-11-30T00:00:00Z");
const ctx = { now, random: defaultRandom };
const SANS = ["web", "*", "10.0.0.1", "::1", "spiffe://cluster/web"];
let ca: CertificateAuthority;
let otherCa: CertificateAuthority;
let sameMeshOtherRoot: CertificateAuthority;
let baseline: MeshChainInput;
let leafKey: CryptoKey;

async function leaf(authority: CertificateAuthority, sans = SANS, key = leafKey, at = ctx) {
  return (await issueMeshCert(authority, { publicKey: key, sans }, at)) + authority.intermediatePem;
}

beforeAll(async () => {
  const meshKey = await generateEcKeyPair("P-384");
  ca = await createCertificateAuthority(await generateEcKeyPair("P-384"), meshKey, ctx);
  otherCa = await createCertificateAuthority(
    await generateEcKeyPair("P-384"),
    await generateEcKeyPair("P-384"),
    ctx,
  );
  sameMeshOtherRoot = await createCertificateAuthority(await generateEcKeyPair("P-384"), meshKey, ctx);
  const k = await generateEcKeyPair("P-256");
  leafKey = k.publicKey;
  baseline = {
    certChainPem: await leaf(ca),
    meshCAPem: ca.meshCAPem,
    rootCAPem: ca.rootCAPem,
    expectedSpki: await exportPublicKeySpki(k.publicKey),
    expectedSans: SANS,
    now,
  };
});

describe("checkMeshCertChain", () => {
  test("baseline → accepted; SANs in another order, case or IP spelling → accepted", async () => {
    await checkMeshCertChain(baseline);
    const respelled = ["WEB", "0:0::1", "spiffe://cluster/web", "*", "10.0.0.1"];
    await checkMeshCertChain({ ...baseline, expectedSans: respelled });
  });

  const rows: [string, () => Promise<Partial<MeshChainInput>>, string][] = [
    [
      "leaf for another key",
      async () => ({ certChainPem: await leaf(ca, SANS, (await generateEcKeyPair("P-256")).publicKey) }),
      "mesh_cert_key_mismatch",
    ],
    [
      "leaf and intermediate of another CA",
      async () => ({ certChainPem: await leaf(otherCa) }),
      "mesh_chain_invalid",
    ],
    ["attested mesh CA is another one", async () => ({ meshCAPem: otherCa.meshCAPem }), "mesh_chain_invalid"],
    [
      "intermediate signed by another root",
      async () => ({ rootCAPem: sameMeshOtherRoot.rootCAPem }),
      "mesh_chain_invalid",
    ],
    [
      "leaf without the intermediate",
      async () => ({ certChainPem: baseline.certChainPem.split(/(?<=-----END CERTIFICATE-----\n)/)[0]! }),
      "mesh_chain_invalid",
    ],
    [
      "garbage instead of a chain",
      async () => ({ certChainPem: "-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n" }),
      "mesh_chain_invalid",
    ],
    [
      "one SAN more than the manifest entry",
      async () => ({ certChainPem: await leaf(ca, [...SANS, "db"]) }),
      "mesh_cert_sans_mismatch",
    ],
    [
      "one SAN less than the manifest entry",
      async () => ({ certChainPem: await leaf(ca, SANS.slice(1)) }),
      "mesh_cert_sans_mismatch",
    ],
    [
      "another IP",
      async () => ({ certChainPem: await leaf(ca, ["web", "*", "10.0.0.2", "::1", "spiffe://cluster/web"]) }),
      "mesh_cert_sans_mismatch",
    ],
    [
      "leaf not yet valid",
      async () => ({ now: new Date(now.getTime() - 2 * 3600_000) }),
      "mesh_chain_invalid",
    ],
  ];
  for (const [name, change, code] of rows) {
    test(`${name} → VerificationError ${code}`, async () => {
      const input = { ...baseline, ...(await change()) };
      await expectCode(() => checkMeshCertChain(input), VerificationError, code);
    });
  }
  test("row count", () => expect(rows.length).toBe(10));
});
