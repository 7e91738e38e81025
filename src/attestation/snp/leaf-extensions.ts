// Decoding of the AMD VCEK/VLEK X.509 extensions under 1.3.6.1.4.1.3704.1 (AMD VCEK/KDS interface spec #57230, VCEK/VLEK extensions).

import type * as x509 from "@peculiar/x509";
import { toHex } from "../../common/bytes.ts";
import { ParseError } from "../../common/errors.ts";
import { parseProductName, type SnpProductName, type SnpTcbLayout } from "./product.ts";
import type { SnpTcb } from "./tcb.ts";

export const AMD_OID_PREFIX = "1.3.6.1.4.1.3704.1";
const OID = {
  structVersion: `${AMD_OID_PREFIX}.1`,
  productName: `${AMD_OID_PREFIX}.2`,
  blSpl: `${AMD_OID_PREFIX}.3.1`,
  teeSpl: `${AMD_OID_PREFIX}.3.2`,
  snpSpl: `${AMD_OID_PREFIX}.3.3`,
  ucodeSpl: `${AMD_OID_PREFIX}.3.8`,
  fmcSpl: `${AMD_OID_PREFIX}.3.9`,
  hwId: `${AMD_OID_PREFIX}.4`,
  cspId: `${AMD_OID_PREFIX}.5`,
} as const;

/** The AMD extensions of one VCEK/VLEK. */
export interface AmdLeafExtensions {
  readonly structVersion: number | undefined;
  readonly productName: SnpProductName | undefined;
  /** The raw productName string, kept for messages. */
  readonly productNameRaw: string | undefined;
  /** SPLs from the certificate in the given layout (fmc only for Turin). */
  readonly tcb: SnpTcb;
  /** Chip ID: 64 bytes (Milan/Genoa) or 8 bytes (Turin); undefined for a VLEK. */
  readonly hwId: Uint8Array | undefined;
  /** VLEK only, e.g. `CN=cc-us-east-2.amazonaws.com`. */
  readonly cspId: string | undefined;
}

function fail(field: string, message: string): never {
  throw new ParseError("snp_cert_extension_invalid", `leaf extension ${field}: ${message}`, { field });
}

/** Reads a DER INTEGER (short-form length, non-negative, ≤ 4 bytes of magnitude). */
function readDerUint(bytes: Uint8Array, field: string): number {
  if (bytes.length < 3 || bytes[0] !== 0x02 || bytes[1] !== bytes.length - 2 || bytes.length > 7) {
    fail(field, `expected a der integer, got ${toHex(bytes.subarray(0, 16))}`);
  }
  if ((bytes[2]! & 0x80) !== 0) fail(field, `expected a non-negative integer, got ${toHex(bytes)}`);
  let v = 0;
  for (let i = 2; i < bytes.length; i++) v = v * 256 + bytes[i]!;
  return v;
}

/** Reads a DER IA5String (tag 0x16, short or one-byte long-form length), printable ASCII only. */
function readDerIa5(bytes: Uint8Array, field: string): string {
  let len = bytes[1] ?? 0;
  let start = 2;
  if (len === 0x81) {
    len = bytes[2] ?? 0;
    start = 3;
  }
  if (bytes[0] !== 0x16 || bytes.length !== start + len)
    fail(field, `expected a der ia5string, got ${toHex(bytes.subarray(0, 16))}`);
  const body = bytes.subarray(start);
  for (const b of body) if (b < 0x20 || b > 0x7e) fail(field, "expected printable ascii");
  return new TextDecoder().decode(body);
}

/** hwID comes as 64 raw bytes, as DER `04 40 <64 bytes>`, or as 8 raw bytes on Turin (AMD VCEK/KDS interface spec #57230, VCEK/VLEK extensions). */
export function decodeHwId(bytes: Uint8Array): Uint8Array {
  if (bytes.length === 64 || bytes.length === 8) return bytes.slice();
  if (bytes.length === 66 && bytes[0] === 0x04 && bytes[1] === 0x40) return bytes.slice(2);
  if (bytes.length === 10 && bytes[0] === 0x04 && bytes[1] === 0x08) return bytes.slice(2);
  return fail("hwID", `expected 64 or 8 raw bytes or a der octet string of them, got ${bytes.length} bytes`);
}

/** Decodes the AMD extensions; SPL components missing from the certificate are an error. */
export function parseAmdLeafExtensions(cert: x509.X509Certificate, layout: SnpTcbLayout): AmdLeafExtensions {
  const ext = (oid: string): Uint8Array | undefined => {
    const all = cert.extensions.filter((e) => e.type === oid);
    if (all.length > 1) fail(oid, "expected at most one, got duplicates");
    return all[0] ? new Uint8Array(all[0].value) : undefined;
  };
  const spl = (oid: string, name: string): number => {
    const v = ext(oid);
    if (!v) fail(name, "expected present, got nothing");
    const n = readDerUint(v, name);
    if (n > 255) fail(name, `expected 0..255, got ${n}`);
    return n;
  };
  const sv = ext(OID.structVersion);
  const pn = ext(OID.productName);
  const productNameRaw = pn ? readDerIa5(pn, "productName") : undefined;
  const base = {
    bootloader: spl(OID.blSpl, "blSPL"),
    tee: spl(OID.teeSpl, "teeSPL"),
    snp: spl(OID.snpSpl, "snpSPL"),
    microcode: spl(OID.ucodeSpl, "ucodeSPL"),
  };
  const tcb: SnpTcb = layout === "turin" ? { fmc: spl(OID.fmcSpl, "fmcSPL"), ...base } : base;
  const hw = ext(OID.hwId);
  const csp = ext(OID.cspId);
  if (hw && csp) fail("hwID", "expected either hwID (vcek) or cspID (vlek), got both");
  return Object.freeze({
    structVersion: sv ? readDerUint(sv, "structVersion") : undefined,
    productName: productNameRaw === undefined ? undefined : parseProductName(productNameRaw),
    productNameRaw,
    tcb: Object.freeze(tcb),
    hwId: hw ? decodeHwId(hw) : undefined,
    cspId: csp ? readDerIa5(csp, "cspID") : undefined,
  });
}

/** Encoders used by the simulated TEE to issue VCEKs with the same extension shapes AMD uses. */
export function encodeDerUint(v: number): Uint8Array {
  const bytes: number[] = [];
  let x = v;
  do {
    bytes.unshift(x & 0xff);
    x = Math.floor(x / 256);
  } while (x > 0);
  if ((bytes[0]! & 0x80) !== 0) bytes.unshift(0);
  return new Uint8Array([0x02, bytes.length, ...bytes]);
}

export function encodeDerIa5(s: string): Uint8Array {
  const b = new TextEncoder().encode(s);
  if (b.length > 127) throw new RangeError("ia5string longer than 127 bytes");
  return new Uint8Array([0x16, b.length, ...b]);
}

export const AMD_LEAF_OIDS = OID;
