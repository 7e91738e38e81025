// The manifest `ReferenceValues` object that trusts one sim chain and nothing else (manifest schema, spec/contrast-reference.md §2.1).

import { toHex } from "../../common/bytes.ts";
import type { SnpTcb } from "../snp/tcb.ts";
import type { SimProduct } from "./sim-chain.ts";

export interface SimSnpReferenceValue {
  readonly Platform: "sim";
  readonly ProductName: SimProduct;
  readonly TrustedMeasurement: string;
  readonly MinimumTCB: {
    readonly BootloaderVersion: number;
    readonly TEEVersion: number;
    readonly SNPVersion: number;
    readonly MicrocodeVersion: number;
  };
  readonly GuestPolicy: {
    readonly ABIMinor: number;
    readonly ABIMajor: number;
    readonly SMT: boolean;
    readonly MigrateMA: boolean;
    readonly Debug: boolean;
    readonly SingleSocket: boolean;
    readonly CXLAllowed: boolean;
    readonly MemAES256XTS: boolean;
    readonly RAPLDis: boolean;
    readonly CipherTextHidingDRAM: boolean;
    readonly PageSwapDisable: boolean;
  };
  readonly PlatformInfo: {
    readonly SMTEnabled: boolean;
    readonly TSMEEnabled: boolean;
    readonly ECCEnabled: boolean;
    readonly RAPLDisabled: boolean;
    readonly CiphertextHidingDRAMEnabled: boolean;
    readonly AliasCheckComplete: boolean;
    readonly TIOEnabled: boolean;
  };
  readonly AllowedChipIDs: readonly string[];
  /** PEM of the sim ARK: the only root these reference values trust. */
  readonly SimulatedARK: string;
}

export interface SimReferenceValues {
  readonly snp: readonly SimSnpReferenceValue[];
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
        MinimumTCB: {
          BootloaderVersion: p.tcb.bootloader,
          TEEVersion: p.tcb.tee,
          SNPVersion: p.tcb.snp,
          MicrocodeVersion: p.tcb.microcode,
        },
        GuestPolicy: {
          ABIMinor: 0,
          ABIMajor: 0,
          SMT: true,
          MigrateMA: false,
          Debug: false,
          SingleSocket: false,
          CXLAllowed: false,
          MemAES256XTS: false,
          RAPLDis: false,
          CipherTextHidingDRAM: false,
          PageSwapDisable: false,
        },
        PlatformInfo: {
          SMTEnabled: true,
          TSMEEnabled: false,
          ECCEnabled: false,
          RAPLDisabled: false,
          CiphertextHidingDRAMEnabled: false,
          AliasCheckComplete: false,
          TIOEnabled: false,
        },
        AllowedChipIDs: [],
        SimulatedARK: p.arkPem,
      },
    ],
    tdx: [],
  };
}
