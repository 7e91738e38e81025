// The manifest `ReferenceValues` object that trusts one sim chain and nothing else (its SNP entry: snp/reference-value.ts).

import { toHex } from "../../common/bytes.ts";
import {
  DEFAULT_SNP_GUEST_POLICY,
  DEFAULT_SNP_PLATFORM_INFO,
  referenceTcbOf,
  type SnpReferenceValue,
} from "../snp/reference-value.ts";
import type { SnpTcb } from "../snp/tcb.ts";
import type { SimProduct } from "./sim-chain.ts";

export interface SimReferenceValues {
  readonly snp: readonly SnpReferenceValue[];
  readonly tdx: readonly never[];
}

/** Reference values matching what `issueSimReport` produces (policy 0x30000, PLATFORM_INFO 0x1). */
export function buildSimReferenceValues(p: {
  product: SimProduct;
  measurement: Uint8Array;
  tcb: SnpTcb;
  arkPem: string;
}): SimReferenceValues {
  return {
    snp: [
      {
        Platform: "sim",
        ProductName: p.product,
        TrustedMeasurement: toHex(p.measurement),
        MinimumTCB: referenceTcbOf(p.tcb),
        GuestPolicy: { ...DEFAULT_SNP_GUEST_POLICY },
        PlatformInfo: { ...DEFAULT_SNP_PLATFORM_INFO },
        AllowedChipIDs: [],
        SimulatedARK: p.arkPem,
      },
    ],
    tdx: [],
  };
}
