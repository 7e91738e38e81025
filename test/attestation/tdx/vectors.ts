// Loads the TDX/Intel test vectors from test/testdata/attestation (see its README for sources and outcomes).

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { authenticateTdQeIdentity, authenticateTdxTcbInfo } from "../../../src/attestation/tdx/collateral.ts";
import type { TdQeIdentity, TdxTcbInfo } from "../../../src/attestation/tdx/collateral-types.ts";
import { testdata } from "../../support/testdata.ts";

export const ATTESTATION_DIR = testdata("attestation");

export function readTdx(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(ATTESTATION_DIR, "tdx", name)));
}

export function readTdxText(name: string): string {
  return readFileSync(join(ATTESTATION_DIR, "tdx", name), "utf8");
}

export function readIntelText(name: string): string {
  return readFileSync(join(ATTESTATION_DIR, "intel", name), "utf8");
}

export const QUOTES = {
  spr: "quote_v4_spr_gotdxguest.dat",
  v5: "quote_v5_gotdxguest.dat",
  debug: "quote_v4_coco_debugtd.dat",
  azure: "quote_v4_azure_coco.dat",
} as const;

/** A time inside every certificate's validity for each quote (PCK notBefore … notAfter, README). */
export const QUOTE_NOW: Record<keyof typeof QUOTES, Date> = {
  spr: new Date("2023-07-01T00:00:00Z"),
  v5: new Date("2026-02-03T00:00:00Z"),
  debug: new Date("2023-07-01T00:00:00Z"),
  azure: new Date("2024-01-01T00:00:00Z"),
};

export const NOW_2023 = new Date("2023-07-01T00:00:00Z");
export const NOW_2026 = new Date("2026-02-03T00:00:00Z");

export const TCB_INFO_2023 = "tcbinfo_tdx_fmspc50806f000000_2023.json";
export const TCB_INFO_2026 = "tcbinfo_tdx_fmspc90c06f000000_2026.json";
export const QE_IDENTITY_2023 = "qeidentity_tdqe_2023.json";
export const SIGNING_CHAIN_2018 = "tcb_signing_issuer_chain.pem";
export const SIGNING_CHAIN_REISSUED = "tcb_signing_issuer_chain_reissued.pem";

/** The vectors' TCB info (2023, 2026) and QE identity (2023), their signatures checked against their issuer chains. */
export interface AuthenticCollateral {
  readonly tcb2023: TdxTcbInfo;
  readonly tcb2026: TdxTcbInfo;
  readonly qe2023: TdQeIdentity;
}

export async function authenticCollateral(): Promise<AuthenticCollateral> {
  const chain2018 = readTdxText(SIGNING_CHAIN_2018);
  return {
    tcb2023: (await authenticateTdxTcbInfo(readTdx(TCB_INFO_2023), chain2018)).tcbInfo,
    tcb2026: (await authenticateTdxTcbInfo(readTdx(TCB_INFO_2026), readTdxText(SIGNING_CHAIN_REISSUED)))
      .tcbInfo,
    qe2023: (await authenticateTdQeIdentity(readTdx(QE_IDENTITY_2023), chain2018)).qeIdentity,
  };
}

export function flipByte(b: Uint8Array, offset: number, mask = 0x01): Uint8Array {
  const out = b.slice();
  out[offset] = out[offset]! ^ mask;
  return out;
}

/** Rebuilds quote bytes with another PCK chain PEM, keeping every other field and fixing the lengths. */
export function withPckChainBytes(quote: Uint8Array, signedLength: number, pem: string): Uint8Array {
  const dv = new DataView(quote.buffer, quote.byteOffset, quote.byteLength);
  const sigStart = signedLength + 4;
  const qeStart = sigStart + 128 + 6;
  const authSize = dv.getUint16(qeStart + 384 + 64, true);
  const qePart = quote.subarray(qeStart, qeStart + 384 + 64 + 2 + authSize);
  const chain = new TextEncoder().encode(pem);
  const certSize = qePart.length + 6 + chain.length;
  const out = new Uint8Array(sigStart + 134 + certSize);
  const o = new DataView(out.buffer);
  out.set(quote.subarray(0, sigStart + 128));
  o.setUint32(signedLength, 134 + certSize, true);
  o.setUint16(sigStart + 128, 6, true);
  o.setUint32(sigStart + 130, certSize, true);
  out.set(qePart, qeStart);
  o.setUint16(qeStart + qePart.length, 5, true);
  o.setUint32(qeStart + qePart.length + 2, chain.length, true);
  out.set(chain, qeStart + qePart.length + 6);
  return out;
}
