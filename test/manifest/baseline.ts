// A valid manifest baseline for table tests: real owner keys, one SNP (sim ARK) and one TDX reference value.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  DEFAULT_SNP_GUEST_POLICY,
  DEFAULT_SNP_PLATFORM_INFO,
} from "../../src/attestation/snp/reference-value.ts";
import { toHex } from "../../src/common/bytes.ts";
import { exportPublicKeySpki, generateEcKeyPair } from "../../src/crypto/keys.ts";
import { exportRsaPublicKeyPkcs1, generateRsaKeyPair } from "../../src/crypto/rsa-keys.ts";

import { TESTDATA } from "../support/testdata.ts";

export { TESTDATA };

/** The first certificate PEM block of a real AMD chain (stands in for a sim ARK: any certificate parses). */
export function arkPem(): string {
  const text = readFileSync(join(TESTDATA, "attestation", "amd", "milan_vcek_cert_chain.pem"), "utf8");
  const m = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/);
  if (m === null) throw new Error("no certificate in testdata");
  return m[0];
}

export async function makeKeys(): Promise<{ owner: string; seedshare: string }> {
  const owner = await generateEcKeyPair("P-384");
  const rsa = await generateRsaKeyPair(2048);
  return {
    owner: toHex(await exportPublicKeySpki(owner.publicKey)),
    seedshare: toHex(await exportRsaPublicKeyPkcs1(rsa.publicKey)),
  };
}

// biome-ignore lint/suspicious/noExplicitAny: tests mutate the plain JSON freely
export type Json = any;

export function baseline(keys: { owner: string; seedshare: string }): Json {
  return {
    Policies: {
      ["a".repeat(64)]: { SANs: ["coordinator", "*"], Role: "coordinator" },
      ["b".repeat(64)]: {
        SANs: ["web", "*", "10.0.0.1"],
        WorkloadSecretID: "apps/v1/Deployment/default/web",
      },
    },
    ReferenceValues: {
      snp: [
        {
          Platform: "Metal-QEMU-SNP",
          ProductName: "Genoa",
          TrustedMeasurement: "c".repeat(96),
          MinimumTCB: { BootloaderVersion: 10, TEEVersion: 0, SNPVersion: 23, MicrocodeVersion: 84 },
          GuestPolicy: { ...DEFAULT_SNP_GUEST_POLICY },
          PlatformInfo: { ...DEFAULT_SNP_PLATFORM_INFO },
          AllowedChipIDs: ["d".repeat(128)],
          SimulatedARK: arkPem(),
        },
      ],
      tdx: [
        {
          Platform: "Metal-QEMU-TDX",
          MrTd: "1".repeat(96),
          MrSeam: "2".repeat(96),
          Rtmrs: ["3".repeat(96), "4".repeat(96), "5".repeat(96), "6".repeat(96)],
          Xfam: "e702060000000000",
          AllowedTCBStatuses: ["UpToDate"],
        },
      ],
    },
    WorkloadOwnerPubKeys: [keys.owner],
    SeedshareOwnerPubKeys: [keys.seedshare],
  };
}

export function bytesOf(json: Json): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(json, null, 2)}\n`);
}
