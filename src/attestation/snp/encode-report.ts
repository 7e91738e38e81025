// SEV-SNP report encoder: typed fields → 1184 bytes (used by the simulated TEE and by tests to build variants).

import { view } from "../../common/bytes.ts";
import type { SnpReportFields } from "./abi.ts";
import { encodeGuestPolicy, encodeSignerInfo } from "./policy-bits.ts";
import { LEN, OFF, SNP_REPORT_SIZE } from "./report-layout.ts";
import { encodeTcb } from "./tcb.ts";

function put(out: Uint8Array, off: number, value: Uint8Array, len: number, field: string): void {
  if (value.length !== len) throw new RangeError(`${field}: expected ${len} bytes, got ${value.length}`);
  out.set(value, off);
}

/**
 * Writes every field at its ABI offset (AMD SEV-SNP Firmware ABI #56860, ATTESTATION_REPORT). Reserved bytes are zero; CPUID bytes are written only
 * for v3+, mitigation vectors only for v5. The signature is copied when given (72-byte little-endian R and S).
 */
export function encodeSnpReport(f: SnpReportFields): Uint8Array {
  const out = new Uint8Array(SNP_REPORT_SIZE);
  const dv = view(out);
  dv.setUint32(OFF.version, f.version, true);
  dv.setUint32(OFF.guestSvn, f.guestSvn, true);
  dv.setBigUint64(OFF.policy, BigInt(encodeGuestPolicy(f.policy)), true);
  put(out, OFF.familyId, f.familyId, LEN.familyId, "familyId");
  put(out, OFF.imageId, f.imageId, LEN.imageId, "imageId");
  dv.setUint32(OFF.vmpl, f.vmpl, true);
  dv.setUint32(OFF.signatureAlgo, f.signatureAlgo, true);
  out.set(encodeTcb(f.currentTcb, f.tcbLayout), OFF.currentTcb);
  dv.setBigUint64(OFF.platformInfo, f.platformInfo.raw, true);
  dv.setUint32(OFF.signerInfo, encodeSignerInfo(f.signerInfo), true);
  put(out, OFF.reportData, f.reportData, LEN.reportData, "reportData");
  put(out, OFF.measurement, f.measurement, LEN.measurement, "measurement");
  put(out, OFF.hostData, f.hostData, LEN.hostData, "hostData");
  put(out, OFF.idKeyDigest, f.idKeyDigest, LEN.idKeyDigest, "idKeyDigest");
  put(out, OFF.authorKeyDigest, f.authorKeyDigest, LEN.authorKeyDigest, "authorKeyDigest");
  put(out, OFF.reportId, f.reportId, LEN.reportId, "reportId");
  put(out, OFF.reportIdMa, f.reportIdMa, LEN.reportIdMa, "reportIdMa");
  out.set(encodeTcb(f.reportedTcb, f.tcbLayout), OFF.reportedTcb);
  if (f.version >= 3 && f.cpuid) {
    out[OFF.cpuidFamily] = f.cpuid.family;
    out[OFF.cpuidModel] = f.cpuid.model;
    out[OFF.cpuidStepping] = f.cpuid.stepping;
  }
  put(out, OFF.chipId, f.chipId, LEN.chipId, "chipId");
  out.set(encodeTcb(f.committedTcb, f.tcbLayout), OFF.committedTcb);
  out.set([f.currentVersion.build, f.currentVersion.minor, f.currentVersion.major], OFF.currentBuild);
  out.set([f.committedVersion.build, f.committedVersion.minor, f.committedVersion.major], OFF.committedBuild);
  out.set(encodeTcb(f.launchTcb, f.tcbLayout), OFF.launchTcb);
  if (f.version >= 5) {
    dv.setBigUint64(OFF.launchMitVector, f.launchMitVector ?? 0n, true);
    dv.setBigUint64(OFF.currentMitVector, f.currentMitVector ?? 0n, true);
  }
  put(out, OFF.signatureR, f.signature.r, LEN.signatureComponent, "signature.r");
  put(out, OFF.signatureS, f.signature.s, LEN.signatureComponent, "signature.s");
  return out;
}
