// SEV and SEV-ES launch digests (SHA-256 over image ‖ hash table [‖ VMSAs]), virtee/sev-snp-measure.

import { createSha256 } from "../../common/digest.ts";
import { ConfigError } from "../../common/errors.ts";
import { buildSevHashTable, type KernelInputs } from "./kernel-hashes.ts";
import { type OvmfSevInfo, parseOvmfSevInfo } from "./ovmf-sev.ts";
import { MAX_VCPUS, requireApEip } from "./snp-launch-digest.ts";
import { BSP_EIP, buildVmsaPage } from "./vmsa.ts";

export interface SevOptions {
  readonly kernel?: KernelInputs;
}

export interface SevEsOptions extends SevOptions {
  readonly vcpus: number;
  readonly vcpuSignature: number;
  /** Host FPU-state era (default true = KVM_SEV_INIT2). */
  readonly kvmInit2?: boolean;
}

function requireHashTable(info: OvmfSevInfo): void {
  if (info.hashTable === undefined) {
    throw new ConfigError(
      "sev_kernel_hashes_unsupported",
      "ovmf: expected a SEV hash table entry to measure a kernel, got none",
      { field: "ovmf" },
    );
  }
}

/** SEV (plain): SHA-256(image ‖ [176-byte hash table]). */
export function computeSevLaunchDigest(ovmf: Uint8Array, options: SevOptions = {}): Uint8Array {
  const info = parseOvmfSevInfo(ovmf);
  const h = createSha256().update(ovmf);
  if (options.kernel) {
    requireHashTable(info);
    h.update(buildSevHashTable(options.kernel));
  }
  return h.digest();
}

/** SEV-ES: SHA-256(image ‖ [hash table] ‖ one QEMU VMSA per vCPU with SEV_FEATURES 0). */
export function computeSevEsLaunchDigest(ovmf: Uint8Array, options: SevEsOptions): Uint8Array {
  if (!Number.isInteger(options.vcpus) || options.vcpus < 1 || options.vcpus > MAX_VCPUS) {
    throw new ConfigError(
      "invalid_vcpus",
      `vcpus: expected an integer in 1..${MAX_VCPUS}, got ${options.vcpus}`,
      {
        field: "vcpus",
      },
    );
  }
  const info = parseOvmfSevInfo(ovmf);
  const h = createSha256().update(ovmf);
  if (options.kernel) {
    requireHashTable(info);
    h.update(buildSevHashTable(options.kernel));
  }
  const base = {
    vmm: "qemu" as const,
    sevFeatures: 0n,
    vcpuSignature: options.vcpuSignature,
    kvmInit2: options.kvmInit2 ?? true,
  };
  h.update(buildVmsaPage({ ...base, eip: BSP_EIP }));
  if (options.vcpus > 1) {
    const ap = buildVmsaPage({ ...base, eip: requireApEip(info) });
    for (let i = 1; i < options.vcpus; i++) h.update(ap);
  }
  return h.digest();
}
