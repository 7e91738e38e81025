// Initial VMSA pages per VMM (virtee/sev-snp-measure vmsa.py): one 4 KiB save area per vCPU, measured last.

import { ConfigError } from "../../common/errors.ts";

export type VmmType = "qemu" | "ec2" | "gce";
export const VMM_TYPES: readonly VmmType[] = ["qemu", "ec2", "gce"];

/** Where KVM places every VMSA: INITIAL_VMSA_GPA, -1 page-aligned and truncated to 48 bits (virtee/sev-snp-measure gctx.py). */
export const KVM_VMSA_GPA = 0xffff_ffff_f000;
/** Reset EIP of the bootstrap processor. */
export const BSP_EIP = 0xffff_fff0;

export interface VmsaOptions {
  readonly vmm: VmmType;
  /** Entry point: BSP_EIP for vCPU 0, the OVMF SEV-ES reset EIP for APs. */
  readonly eip: number;
  /** SEV_FEATURES (guest features); 0 for SEV-ES. */
  readonly sevFeatures: bigint;
  /** CPUID leaf 1 EAX of the vCPU model (used as RDX by QEMU). */
  readonly vcpuSignature: number;
  /** Host initialises FPU state (KVM_SEV_INIT2, Linux ≥ 6.10): MXCSR 0x1F80, FCW 0x37F. Default true. */
  readonly kvmInit2?: boolean;
  /** EC2 VMSA before 2026-04: RDX 0 instead of 0x600. */
  readonly ec2LegacyRdx?: boolean;
}

interface VmmRegisters {
  readonly csAttrib: number;
  readonly ssAttrib: number;
  readonly trAttrib: number;
  readonly rdx: number;
  readonly gPat: bigint;
  readonly fpuInit: boolean;
}

/** The per-VMM differences of virtee/sev-snp-measure vmsa.py's table. */
function registersFor(o: VmsaOptions): VmmRegisters {
  const kvmInit2 = o.kvmInit2 ?? true;
  switch (o.vmm) {
    case "qemu":
      return {
        csAttrib: 0x9b,
        ssAttrib: 0x93,
        trAttrib: 0x8b,
        rdx: o.vcpuSignature,
        gPat: 0x0007040600070406n,
        fpuInit: kvmInit2,
      };
    case "ec2":
      return {
        csAttrib: o.eip === BSP_EIP ? 0x9a : 0x9b,
        ssAttrib: 0x92,
        trAttrib: 0x83,
        rdx: o.ec2LegacyRdx ? 0 : 0x600,
        gPat: 0x0007040600070406n,
        fpuInit: false,
      };
    case "gce":
      return {
        csAttrib: 0x9b,
        ssAttrib: 0x93,
        trAttrib: 0x8b,
        rdx: 0x600,
        gPat: 0x00070106n,
        fpuInit: false,
      };
    default:
      throw new ConfigError("invalid_vmm", `vmm: expected qemu|ec2|gce, got ${JSON.stringify(o.vmm)}`, {
        field: "vmm",
      });
  }
}

/** Writes one VMCB segment record (u16 selector, u16 attrib, u32 limit, u64 base). */
function setSegment(
  dv: DataView,
  at: number,
  selector: number,
  attrib: number,
  limit: number,
  base: number,
): void {
  dv.setUint16(at, selector, true);
  dv.setUint16(at + 2, attrib, true);
  dv.setUint32(at + 4, limit, true);
  dv.setBigUint64(at + 8, BigInt(base), true);
}

/** Builds the 4096-byte initial VMSA of one vCPU; every field not in virtee/sev-snp-measure vmsa.py stays zero. */
export function buildVmsaPage(o: VmsaOptions): Uint8Array {
  if (!Number.isInteger(o.eip) || o.eip < 0 || o.eip > 0xffff_ffff) {
    throw new ConfigError("invalid_eip", `eip: expected a u32, got ${o.eip}`, { field: "eip" });
  }
  if (o.sevFeatures < 0n || o.sevFeatures >= 1n << 64n) {
    throw new ConfigError("invalid_guest_features", `guest features: expected a u64, got ${o.sevFeatures}`);
  }
  const r = registersFor(o);
  const page = new Uint8Array(4096);
  const dv = new DataView(page.buffer);
  setSegment(dv, 0x000, 0, 0x93, 0xffff, 0); // ES
  setSegment(dv, 0x010, 0xf000, r.csAttrib, 0xffff, o.eip - (o.eip % 0x10000)); // CS
  setSegment(dv, 0x020, 0, r.ssAttrib, 0xffff, 0); // SS
  for (const at of [0x030, 0x040, 0x050]) setSegment(dv, at, 0, 0x93, 0xffff, 0); // DS, FS, GS
  setSegment(dv, 0x060, 0, 0, 0xffff, 0); // GDTR
  setSegment(dv, 0x070, 0, 0x82, 0xffff, 0); // LDTR
  setSegment(dv, 0x080, 0, 0, 0xffff, 0); // IDTR
  setSegment(dv, 0x090, 0, r.trAttrib, 0xffff, 0); // TR
  dv.setBigUint64(0x0d0, 0x1000n, true); // EFER.SVME
  dv.setBigUint64(0x148, 0x40n, true); // CR4.MCE
  dv.setBigUint64(0x158, 0x10n, true); // CR0
  dv.setBigUint64(0x160, 0x400n, true); // DR7
  dv.setBigUint64(0x168, 0xffff0ff0n, true); // DR6
  dv.setBigUint64(0x170, 0x2n, true); // RFLAGS
  dv.setBigUint64(0x178, BigInt(o.eip % 0x10000), true); // RIP
  dv.setBigUint64(0x268, r.gPat, true); // G_PAT
  dv.setBigUint64(0x310, BigInt(r.rdx), true); // RDX
  dv.setBigUint64(0x3b0, o.sevFeatures, true); // SEV_FEATURES
  dv.setBigUint64(0x3e8, 0x1n, true); // XCR0
  if (r.fpuInit) {
    dv.setUint32(0x408, 0x1f80, true); // MXCSR
    dv.setUint16(0x410, 0x037f, true); // X87_FCW
  }
  return page;
}
