// TCB_VERSION decoding and encoding in the Milan/Genoa and Turin byte layouts, and per-component comparison (AMD SEV-SNP Firmware ABI #56860, TCB_VERSION).

import type { SnpTcbLayout } from "./product.ts";

/** One TCB_VERSION, one security patch level per component. `fmc` exists only in the Turin layout. */
export interface SnpTcb {
  readonly fmc?: number;
  readonly bootloader: number;
  readonly tee: number;
  readonly snp: number;
  readonly microcode: number;
}

export type SnpTcbComponent = "fmc" | "bootloader" | "tee" | "snp" | "microcode";

/** Byte offsets of each component inside the 8-byte TCB_VERSION, per layout (AMD SEV-SNP Firmware ABI #56860, TCB_VERSION table). */
const OFFSETS: Record<SnpTcbLayout, Partial<Record<SnpTcbComponent, number>>> = {
  milan: { bootloader: 0, tee: 1, snp: 6, microcode: 7 },
  turin: { fmc: 0, bootloader: 1, tee: 2, snp: 3, microcode: 7 },
};

export function tcbComponents(layout: SnpTcbLayout): readonly SnpTcbComponent[] {
  return layout === "turin"
    ? ["fmc", "bootloader", "tee", "snp", "microcode"]
    : ["bootloader", "tee", "snp", "microcode"];
}

/** Decodes 8 TCB_VERSION bytes. Reserved bytes are ignored here, as the firmware ABI leaves them undefined. */
export function decodeTcb(bytes: Uint8Array, layout: SnpTcbLayout): SnpTcb {
  const o = OFFSETS[layout];
  const at = (c: SnpTcbComponent): number => bytes[o[c]!] ?? 0;
  const base = { bootloader: at("bootloader"), tee: at("tee"), snp: at("snp"), microcode: at("microcode") };
  return Object.freeze(layout === "turin" ? { fmc: at("fmc"), ...base } : base);
}

/** Encodes a TCB into 8 bytes (reserved bytes zero). Values must be 0..255; `fmc` is required for Turin. */
export function encodeTcb(tcb: SnpTcb, layout: SnpTcbLayout): Uint8Array {
  const out = new Uint8Array(8);
  for (const c of tcbComponents(layout)) {
    const v = tcb[c] ?? 0;
    if (!Number.isInteger(v) || v < 0 || v > 255) {
      throw new RangeError(`tcb.${c}: expected integer 0-255, got ${String(v)}`);
    }
    out[OFFSETS[layout][c]!] = v;
  }
  return out;
}

/** The components of `actual` that are below `minimum` (AMD SEV-SNP Firmware ABI #56860, TCB_VERSION: compare per component, never as one integer). */
export function tcbComponentsBelow(
  actual: SnpTcb,
  minimum: Partial<SnpTcb>,
  layout: SnpTcbLayout,
): SnpTcbComponent[] {
  const out: SnpTcbComponent[] = [];
  for (const c of tcbComponents(layout)) {
    const min = minimum[c];
    if (min !== undefined && (actual[c] ?? 0) < min) out.push(c);
  }
  return out;
}

/** The components where `a` and `b` differ. */
export function tcbComponentsDiffering(a: SnpTcb, b: SnpTcb, layout: SnpTcbLayout): SnpTcbComponent[] {
  return tcbComponents(layout).filter((c) => (a[c] ?? 0) !== (b[c] ?? 0));
}

export function formatTcb(tcb: SnpTcb): string {
  const base = `bl ${tcb.bootloader}/tee ${tcb.tee}/snp ${tcb.snp}/ucode ${tcb.microcode}`;
  return tcb.fmc === undefined ? base : `fmc ${tcb.fmc}/${base}`;
}
