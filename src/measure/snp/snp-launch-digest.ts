// SEV-SNP launch digest of an OVMF guest: firmware pages, metadata sections, one VMSA per vCPU (virtee/sev-snp-measure guest.py and vmsa.py).

import { toHex } from "../../common/bytes.ts";
import { sha384 } from "../../common/digest.ts";
import { ConfigError, ParseError } from "../../common/errors.ts";
import { buildKernelHashesPage, buildSevHashTable, type KernelInputs } from "./kernel-hashes.ts";
import {
  type OvmfSevInfo,
  PAGE_SIZE,
  parseOvmfSevInfo,
  type SevMetadataSection,
  SevSectionType,
} from "./ovmf-sev.ts";
import { PageType, SnpLaunchDigest } from "./page-info.ts";
import { BSP_EIP, buildVmsaPage, KVM_VMSA_GPA, type VmmType } from "./vmsa.ts";

/** Upper bound on vCPUs (KVM's KVM_MAX_VCPUS is 4096; SNP guests are far smaller). */
export const MAX_VCPUS = 4096;

export interface SnpOvmfOptions {
  readonly vcpus: number;
  /** CPUID signature of the vCPU model (see resolveVcpuSignature); ignored by GCE and EC2. */
  readonly vcpuSignature: number;
  /** SEV_FEATURES of every VMSA (0x1 upstream default, 0x21 on AMD 6.6-era hosts). */
  readonly guestFeatures: bigint;
  readonly vmm: VmmType;
  /** QEMU `-kernel/-initrd/-append` with kernel-hashes=on; needs an SNP_KERNEL_HASHES section. */
  readonly kernel?: KernelInputs;
  /** LD after the firmware pages ("ovmf-hash"): the firmware pages are then skipped. */
  readonly seed?: Uint8Array;
  /** Host FPU-state era (default true = KVM_SEV_INIT2); see VmsaOptions. */
  readonly kvmInit2?: boolean;
  /** EC2 VMSA with RDX 0 (before 2026-04). */
  readonly ec2LegacyRdx?: boolean;
  /** GPA of every VMSA (default KVM's 0xFFFFFFFFF000). */
  readonly vmsaGpa?: number;
}

/** The LD after one measured step, for debugging and for the per-section vectors. */
export interface SnpMeasureStep {
  readonly step: string;
  readonly digest: string;
}

/** The 48-byte launch digest (the report's MEASUREMENT). */
export function computeSnpLaunchDigest(ovmf: Uint8Array, options: SnpOvmfOptions): Uint8Array {
  const ld = measure(ovmf, options, undefined);
  return ld.digest();
}

/** Like computeSnpLaunchDigest, but returns the LD (hex) after every step; the last one is the result. */
export function traceSnpLaunchDigest(ovmf: Uint8Array, options: SnpOvmfOptions): readonly SnpMeasureStep[] {
  const steps: SnpMeasureStep[] = [];
  measure(ovmf, options, (step, ld) => steps.push({ step, digest: toHex(ld.digest()) }));
  return steps;
}

/** LD after only the firmware pages: the "ovmf-hash" seed of sev-snp-measure. */
export function computeSnpOvmfHash(ovmf: Uint8Array): Uint8Array {
  const info = parseOvmfSevInfo(ovmf);
  const ld = new SnpLaunchDigest();
  ld.updateNormalPages(info.gpa, ovmf);
  return ld.digest();
}

type Trace = ((step: string, ld: SnpLaunchDigest) => void) | undefined;

function measure(ovmf: Uint8Array, o: SnpOvmfOptions, trace: Trace): SnpLaunchDigest {
  checkOptions(o);
  const info = parseOvmfSevInfo(ovmf);
  const hashesPage = o.kernel === undefined ? undefined : buildHashesPage(info, o.kernel);
  const ld = new SnpLaunchDigest(o.seed);
  if (o.seed === undefined) {
    ld.updateNormalPages(info.gpa, ovmf);
    trace?.("firmware", ld);
  }
  measureSections(ld, info.sections, o.vmm, hashesPage, trace);
  measureVmsas(ld, info, o, trace);
  return ld;
}

function checkOptions(o: SnpOvmfOptions): void {
  if (!Number.isInteger(o.vcpus) || o.vcpus < 1 || o.vcpus > MAX_VCPUS) {
    throw new ConfigError("invalid_vcpus", `vcpus: expected an integer in 1..${MAX_VCPUS}, got ${o.vcpus}`, {
      field: "vcpus",
    });
  }
}

/** The NORMAL page carrying the hash table; refuses firmware that cannot verify a kernel (virtee/sev-snp-measure ovmf.py, OVMF SEV metadata). */
function buildHashesPage(info: OvmfSevInfo, kernel: KernelInputs): Uint8Array {
  const section = info.sections.find((s) => s.type === SevSectionType.SnpKernelHashes);
  if (section === undefined || info.hashTable === undefined) {
    throw new ConfigError(
      "snp_kernel_hashes_unsupported",
      "ovmf: expected an SNP_KERNEL_HASHES metadata section and a hash table entry to measure a kernel, got none (this firmware cannot verify -kernel; use an AmdSev build or drop --kernel)",
      { field: "ovmf" },
    );
  }
  if (section.size !== PAGE_SIZE) {
    throw new ParseError(
      "ovmf_bad_metadata",
      `ovmf SNP_KERNEL_HASHES section: expected size 0x1000, got 0x${section.size.toString(16)}`,
      {
        field: "ovmf",
      },
    );
  }
  return buildKernelHashesPage(buildSevHashTable(kernel), info.hashTable.gpa % PAGE_SIZE);
}

/** Section type → page type per VMM (virtee/sev-snp-measure guest.py, section types per VMM); EC2 appends CPUID pages after all other sections. */
function measureSections(
  ld: SnpLaunchDigest,
  sections: readonly SevMetadataSection[],
  vmm: VmmType,
  hashesPage: Uint8Array | undefined,
  trace: Trace,
): void {
  for (const s of sections) {
    const label = `section 0x${s.gpa.toString(16)}`;
    switch (s.type) {
      case SevSectionType.SnpSecMem:
        ld.updateEmptyPages(vmm === "gce" ? PageType.Unmeasured : PageType.Zero, s.gpa, s.size);
        break;
      case SevSectionType.SnpSecrets:
        ld.updatePage(PageType.Secrets, s.gpa);
        break;
      case SevSectionType.Cpuid:
        if (vmm === "ec2") continue;
        ld.updatePage(PageType.Cpuid, s.gpa);
        break;
      case SevSectionType.SvsmCaa:
        ld.updateEmptyPages(PageType.Zero, s.gpa, s.size);
        break;
      case SevSectionType.SnpKernelHashes:
        if (hashesPage) ld.updateNormalPages(s.gpa, hashesPage);
        else ld.updateEmptyPages(PageType.Zero, s.gpa, s.size);
        break;
    }
    trace?.(label, ld);
  }
  if (vmm !== "ec2") return;
  for (const s of sections) {
    if (s.type !== SevSectionType.Cpuid) continue;
    ld.updatePage(PageType.Cpuid, s.gpa);
    trace?.(`cpuid 0x${s.gpa.toString(16)}`, ld);
  }
}

/** vCPU 0 starts at the reset vector, APs at the OVMF SEV-ES reset EIP; all APs share one page. */
function measureVmsas(ld: SnpLaunchDigest, info: OvmfSevInfo, o: SnpOvmfOptions, trace: Trace): void {
  const gpa = o.vmsaGpa ?? KVM_VMSA_GPA;
  const base = {
    vmm: o.vmm,
    sevFeatures: o.guestFeatures,
    vcpuSignature: o.vcpuSignature,
    kvmInit2: o.kvmInit2 ?? true,
    ec2LegacyRdx: o.ec2LegacyRdx ?? false,
  };
  ld.updateVmsaPage(gpa, sha384(buildVmsaPage({ ...base, eip: BSP_EIP })));
  trace?.("vmsa 0", ld);
  if (o.vcpus === 1) return;
  const apDigest = sha384(buildVmsaPage({ ...base, eip: requireApEip(info) }));
  for (let i = 1; i < o.vcpus; i++) {
    ld.updateVmsaPage(gpa, apDigest);
    trace?.(`vmsa ${i}`, ld);
  }
}

export function requireApEip(info: OvmfSevInfo): number {
  if (info.sevEsResetEip === undefined) {
    throw new ConfigError(
      "snp_no_ap_reset_eip",
      "ovmf: expected a SEV-ES reset block (AP reset EIP) for more than one vCPU, got none",
      {
        field: "ovmf",
      },
    );
  }
  return info.sevEsResetEip;
}
