// What the simulated TEE claims to be per product: CPUID bytes, VCEK productName, TCB and firmware version.

import type { SnpFirmwareVersion } from "../snp/abi.ts";
import type { SnpCpuid } from "../snp/product.ts";
import type { SnpTcb } from "../snp/tcb.ts";
import type { SimProduct } from "./sim-chain.ts";

export interface SimProductSpec {
  readonly cpuid: SnpCpuid;
  readonly productName: string;
  readonly tcb: SnpTcb;
  readonly firmware: SnpFirmwareVersion;
}

/** Values seen on real parts (Milan B0 family 19h model 01h; Genoa B1 model 11h), so the sim exercises real layouts. */
export const SIM_PRODUCTS: Readonly<Record<SimProduct, SimProductSpec>> = {
  Milan: {
    cpuid: { family: 0x19, model: 0x01, stepping: 0x00 },
    productName: "Milan-B0",
    tcb: { bootloader: 4, tee: 0, snp: 24, microcode: 219 },
    firmware: { major: 1, minor: 55, build: 29 },
  },
  Genoa: {
    cpuid: { family: 0x19, model: 0x11, stepping: 0x01 },
    productName: "Genoa-B1",
    tcb: { bootloader: 10, tee: 0, snp: 23, microcode: 25 },
    firmware: { major: 1, minor: 55, build: 40 },
  },
};

export function isSimProduct(v: unknown): v is SimProduct {
  return v === "Milan" || v === "Genoa";
}
