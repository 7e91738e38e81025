// Appending AP VMSAs to a known launch digest (Contrast's ExtendSNPLaunchDigest; virtee/sev-snp-measure gctx.py, edgelesssys/contrast packages/by-name/contrast/snp-launch-digests).

import { sha384 } from "../../common/digest.ts";
import { ConfigError } from "../../common/errors.ts";
import { SnpLaunchDigest } from "./page-info.ts";
import { MAX_VCPUS } from "./snp-launch-digest.ts";
import { buildVmsaPage, KVM_VMSA_GPA, type VmmType } from "./vmsa.ts";

export interface ApExtension {
  /** Number of AP VMSAs to append (total vCPUs − vCPUs already in the seed). */
  readonly aps: number;
  /** The OVMF SEV-ES AP reset EIP (e.g. 0x80B004). */
  readonly apEip: number;
  readonly vcpuSignature: number;
  readonly guestFeatures: bigint;
  readonly vmm?: VmmType;
  readonly kvmInit2?: boolean;
  readonly vmsaGpa?: number;
}

/**
 * Extends a launch digest (e.g. the shipped 1-vCPU digest) by `aps` identical AP VMSA pages. Valid
 * because VMSAs are measured last: LD(n vCPUs) = extend(LD(1 vCPU), n − 1).
 */
export function extendSnpLaunchDigest(seed: Uint8Array, ext: ApExtension): Uint8Array {
  if (!Number.isInteger(ext.aps) || ext.aps < 0 || ext.aps >= MAX_VCPUS) {
    throw new ConfigError(
      "invalid_vcpus",
      `aps: expected an integer in 0..${MAX_VCPUS - 1}, got ${ext.aps}`,
      {
        field: "aps",
      },
    );
  }
  const ld = new SnpLaunchDigest(seed);
  const vmsa = buildVmsaPage({
    vmm: ext.vmm ?? "qemu",
    eip: ext.apEip,
    sevFeatures: ext.guestFeatures,
    vcpuSignature: ext.vcpuSignature,
    kvmInit2: ext.kvmInit2 ?? true,
  });
  const digest = sha384(vmsa);
  for (let i = 0; i < ext.aps; i++) ld.updateVmsaPage(ext.vmsaGpa ?? KVM_VMSA_GPA, digest);
  return ld.digest();
}
