// The simulated TEE's report issuer: a genuine SNP v3 report signed by the sim VCEK (AMD SEV-SNP Firmware ABI #56860, ATTESTATION_REPORT).

import { concatBytes } from "../../common/bytes.ts";
import { ConfigError } from "../../common/errors.ts";
import { encodeSnpReport, type SnpReportFields } from "../snp/abi.ts";
import { decodeGuestPolicy, decodePlatformInfo } from "../snp/policy-bits.ts";
import { OFF, SNP_SIGNED_LENGTH } from "../snp/report-layout.ts";
import { scalarToLittleEndian } from "../snp/report-signature.ts";
import { loadSimDir, type SimTee } from "./sim-load.ts";
import { SIM_PRODUCTS } from "./sim-product.ts";

export interface SimEvidence {
  /** 1184-byte SNP v3 report. */
  readonly report: Uint8Array;
  readonly vcek: Uint8Array;
  readonly ask: Uint8Array;
  readonly ark: Uint8Array;
  /** The sim CRL, as a host would hand it over with the certificate table. */
  readonly crl?: Uint8Array;
}

export interface IssueSimReportOptions {
  /** Randomness for REPORT_ID (default WebCrypto). */
  readonly random?: (n: number) => Uint8Array;
}

function need(field: string, v: Uint8Array, len: number): void {
  if (!(v instanceof Uint8Array) || v.length !== len) {
    const got = v instanceof Uint8Array ? `${v.length} bytes` : typeof v;
    throw new ConfigError("sim_report_input", `${field}: expected ${len} bytes, got ${got}`, { field });
  }
}

/**
 * The fields of a report as the sim hardware would produce it: v3, VMPL 0, policy 0x30000 (SMT), PLATFORM_INFO
 * 0x1 (SMT enabled), VCEK-signed, all four TCBs equal to the VCEK SPLs, no ID block, no migration agent.
 */
export function buildSimReportFields(
  sim: SimTee,
  hostData: Uint8Array,
  reportData: Uint8Array,
  random: (n: number) => Uint8Array = (n) => crypto.getRandomValues(new Uint8Array(n)),
): SnpReportFields {
  need("hostData", hostData, 32);
  need("reportData", reportData, 64);
  const spec = SIM_PRODUCTS[sim.product];
  return {
    version: 3,
    guestSvn: 0,
    policy: decodeGuestPolicy(0x30000),
    familyId: new Uint8Array(16),
    imageId: new Uint8Array(16),
    vmpl: 0,
    signatureAlgo: 1,
    currentTcb: sim.tcb,
    platformInfo: decodePlatformInfo(1n),
    signerInfo: { authorKeyEn: false, maskChipKey: false, signingKey: "vcek" },
    reportData: reportData.slice(),
    measurement: sim.measurement,
    hostData: hostData.slice(),
    idKeyDigest: new Uint8Array(48),
    authorKeyDigest: new Uint8Array(48),
    reportId: random(32),
    reportIdMa: new Uint8Array(32).fill(0xff),
    reportedTcb: sim.tcb,
    cpuid: spec.cpuid,
    chipId: sim.chipId,
    committedTcb: sim.tcb,
    currentVersion: spec.firmware,
    committedVersion: spec.firmware,
    launchTcb: sim.tcb,
    launchMitVector: undefined,
    currentMitVector: undefined,
    signature: { r: new Uint8Array(72), s: new Uint8Array(72) },
    tcbLayout: "milan",
  };
}

/** Encodes `fields` and signs bytes [0, 0x2A0) with ECDSA P-384/SHA-384, storing R and S little-endian. */
export async function signSnpReport(fields: SnpReportFields, key: CryptoKey): Promise<Uint8Array> {
  const out = encodeSnpReport(fields);
  const sig = new Uint8Array(
    await crypto.subtle.sign(
      { name: "ECDSA", hash: "SHA-384" },
      key,
      out.subarray(0, SNP_SIGNED_LENGTH) as Uint8Array<ArrayBuffer>,
    ),
  );
  out.set(
    concatBytes(scalarToLittleEndian(sig.subarray(0, 48)), scalarToLittleEndian(sig.subarray(48, 96))),
    OFF.signatureR,
  );
  return out;
}

/** Issues a signed report binding `hostData` (32 bytes) and `reportData` (64 bytes), with the sim chain to verify it. */
export async function issueSimReport(
  sim: string | SimTee,
  hostData: Uint8Array,
  reportData: Uint8Array,
  opts: IssueSimReportOptions = {},
): Promise<SimEvidence> {
  const tee = typeof sim === "string" ? await loadSimDir(sim) : sim;
  const fields = buildSimReportFields(tee, hostData, reportData, opts.random);
  const report = await signSnpReport(fields, tee.vcekSigningKey);
  const certs = { vcek: tee.vcek.slice(), ask: tee.ask.slice(), ark: tee.ark.slice() };
  return { report, ...certs, ...(tee.crl ? { crl: tee.crl.slice() } : {}) };
}
