// Loads the SNP/AMD vectors (test/testdata/attestation) for the SNP tests.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { OFF } from "../../../src/attestation/snp/report-layout.ts";
import { view } from "../../../src/common/bytes.ts";
import { decodePemDers } from "../../../src/crypto/pem.ts";
import { testdata } from "../../support/testdata.ts";

export const ATTESTATION_DIR = testdata("attestation");

export function readSnp(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(ATTESTATION_DIR, "snp", name)));
}

/** A KDS cert_chain bundle: intermediate (ASK/ASVK) first, then ARK. */
export function readChain(name: string): { intermediate: Uint8Array; ark: Uint8Array } {
  const [intermediate, ark] = decodePemDers(
    readFileSync(join(ATTESTATION_DIR, "amd", name), "utf8"),
    "CERTIFICATE",
  );
  if (!intermediate || !ark) throw new Error(`${name}: expected two certificates`);
  return { intermediate, ark };
}

export const AMD_CHAIN_FILES = [
  "milan_vcek_cert_chain.pem",
  "milan_vlek_cert_chain.pem",
  "genoa_vcek_cert_chain.pem",
  "genoa_vlek_cert_chain.pem",
  "turin_vcek_cert_chain.pem",
  "turin_vlek_cert_chain.pem",
] as const;

/** Dates inside every good vector's validity window (VLEK: 2024-12-10…2025-12-10). */
export const NOW_2025 = new Date("2025-06-01T00:00:00Z");
export const NOW_2026 = new Date("2026-06-01T00:00:00Z");

export interface GoodReportVector {
  readonly report: string;
  readonly leaf: string;
  readonly chain: string;
  readonly now: Date;
  readonly version: number;
  readonly signingKey: "vcek" | "vlek";
  readonly product: "Milan" | "Genoa" | "Turin";
  readonly measurement: string;
  readonly reportedTcb: { bootloader: number; tee: number; snp: number; microcode: number };
  readonly policyRaw: number;
  readonly vmpl: number;
}

/** Every "VALID" report of testdata/attestation/README.md with the facts the README states. */
export const GOOD_REPORTS: readonly GoodReportVector[] = [
  {
    report: "milan_v2_gosevguest_report.bin",
    leaf: "milan_v2_gosevguest_vcek.der",
    chain: "milan_vcek_cert_chain.pem",
    now: NOW_2026,
    version: 2,
    signingKey: "vcek",
    product: "Milan",
    measurement:
      "b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872b01",
    reportedTcb: { bootloader: 2, tee: 0, snp: 5, microcode: 68 },
    policyRaw: 0xb0000,
    vmpl: 0,
  },
  {
    report: "milan_v2_virtee_report.bin",
    leaf: "milan_v2_virtee_vcek.der",
    chain: "milan_vcek_cert_chain.pem",
    now: NOW_2026,
    version: 2,
    signingKey: "vcek",
    product: "Milan",
    measurement:
      "7a1e5c266c0108dbc9bb94fa926951320940915d0aafb42464bd88b579ea158d3e1a0dc39b2c60bd95b9c480cd81841f",
    reportedTcb: { bootloader: 3, tee: 0, snp: 8, microcode: 115 },
    policyRaw: 0x30000,
    vmpl: 0,
  },
  {
    report: "milan_v2_coco_report.bin",
    leaf: "milan_v2_coco_vcek.der",
    chain: "milan_vcek_cert_chain.pem",
    now: NOW_2026,
    version: 2,
    signingKey: "vcek",
    product: "Milan",
    measurement:
      "a1f3930413247bb38cfc171579ea3c12d5fe4901f0c792f63fd75d98f1ef827c23500644e0e692e6be917f9050d3d38c",
    reportedTcb: { bootloader: 3, tee: 0, snp: 8, microcode: 115 },
    policyRaw: 0x3001f,
    vmpl: 0,
  },
  {
    report: "milan_v3_vlek_aws_report.bin",
    leaf: "milan_v3_vlek_aws_vlek.der",
    chain: "milan_vlek_cert_chain.pem",
    now: NOW_2025,
    version: 3,
    signingKey: "vlek",
    product: "Milan",
    measurement:
      "8922ebbdd00ec2c541f36a6e7a82a8773a7accb451ed67bc94e740dbe92c93c4e8c9af857f5ceeb5a493df2a570d7bf0",
    reportedTcb: { bootloader: 4, tee: 0, snp: 24, microcode: 217 },
    policyRaw: 0x30000,
    vmpl: 1,
  },
  {
    report: "genoa_v3_coco_e2e_report.bin",
    leaf: "genoa_v3_coco_e2e_vcek.der",
    chain: "genoa_vcek_cert_chain.pem",
    now: NOW_2026,
    version: 3,
    signingKey: "vcek",
    product: "Genoa",
    measurement:
      "6a6519d757e68c2e939c9dbbbc1828498e8de35d2766dd05f1a2cca5059d0cf4ae62a36d75c837974dd50b315506e73e",
    reportedTcb: { bootloader: 10, tee: 0, snp: 23, microcode: 25 },
    policyRaw: 0x30000,
    vmpl: 0,
  },
];

/**
 * The AWS VLEK report (v3) made Turin-like: every TCB field the Turin raw 0x6100000005020301 (AMD SEV-SNP Firmware ABI
 * #56860, TCB_VERSION: fmc 1, bl 3, tee 2, snp 5, ucode 97) and CPUID family `family`, model 2. Unparsed bytes.
 */
export function turinReportBytes(family: number): Uint8Array {
  const b = readSnp("milan_v3_vlek_aws_report.bin");
  for (const off of [OFF.currentTcb, OFF.reportedTcb, OFF.committedTcb, OFF.launchTcb]) {
    view(b).setBigUint64(off, 0x6100000005020301n, true);
  }
  b[OFF.cpuidFamily] = family;
  b[OFF.cpuidModel] = 0x02;
  return b;
}
