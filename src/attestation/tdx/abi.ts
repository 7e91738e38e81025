// Parses Intel TDX quotes v4 and v5 (Intel TDX DCAP Quoting Library API, quote v4/v5) into read-only typed values; ParseError only.

import { toHex } from "../../common/bytes.ts";
import type { ParseCode } from "../../common/codes.ts";
import { ParseError } from "../../common/errors.ts";
import {
  ATTESTATION_KEY_TYPE_ECDSA_P256,
  BODY_TYPE_TD10,
  BODY_TYPE_TD15,
  CERT_DATA_PCK_CHAIN,
  CERT_DATA_QE_REPORT,
  ECDSA_KEY_SIZE,
  ECDSA_SIG_SIZE,
  QE_REPORT_SIZE,
  type SgxQeReport,
  TD10_BODY_SIZE,
  TD15_BODY_SIZE,
  type TdxQuote,
  type TdxQuoteHeader,
  type TdxTdReportBody,
  TEE_TYPE_TDX,
} from "./quote-types.ts";

/** Largest quote accepted; real quotes are ~5 KB (the PCK chain dominates). */
export const MAX_QUOTE_SIZE = 64 * 1024;

/** Bounds-checked little-endian reader over the quote; every read names its field. */
class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public offset = 0,
  ) {}

  take(n: number, field: string): Uint8Array {
    if (n < 0 || this.offset + n > this.bytes.length) {
      throw new ParseError(
        "tdx_quote_truncated",
        `${field}: expected ${n} bytes at offset 0x${this.offset.toString(16)}, got ${Math.max(0, this.bytes.length - this.offset)}`,
        { field },
      );
    }
    const out = this.bytes.slice(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  u16(field: string): number {
    const b = this.take(2, field);
    return b[0]! | (b[1]! << 8);
  }

  u32(field: string): number {
    const b = this.take(4, field);
    return (b[0]! | (b[1]! << 8) | (b[2]! << 16) | (b[3]! << 24)) >>> 0;
  }

  u64(field: string): bigint {
    const b = this.take(8, field);
    let v = 0n;
    for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    return v;
  }
}

function fail(code: ParseCode, field: string, expected: string, got: string | number): never {
  throw new ParseError(code, `${field}: expected ${expected}, got ${got}`, { field });
}

function parseHeader(r: Reader): TdxQuoteHeader {
  const version = r.u16("header.version");
  if (version !== 4 && version !== 5) fail("tdx_unsupported_version", "header.version", "4 or 5", version);
  const attestationKeyType = r.u16("header.attestationKeyType");
  if (attestationKeyType !== ATTESTATION_KEY_TYPE_ECDSA_P256) {
    fail("tdx_unsupported_key_type", "header.attestationKeyType", "2 (ECDSA P-256)", attestationKeyType);
  }
  const teeType = r.u32("header.teeType");
  if (teeType !== TEE_TYPE_TDX) fail("tdx_not_tdx", "header.teeType", "0x81", `0x${teeType.toString(16)}`);
  return {
    version,
    attestationKeyType,
    teeType,
    reserved: r.take(4, "header.reserved"),
    qeVendorId: r.take(16, "header.qeVendorId"),
    userData: r.take(20, "header.userData"),
  };
}

function parseBody(r: Reader, bodyType: 2 | 3): TdxTdReportBody {
  const m = (field: string) => r.take(48, `body.${field}`);
  const teeTcbSvn = r.take(16, "body.teeTcbSvn");
  const mrSeam = m("mrSeam");
  const mrSignerSeam = m("mrSignerSeam");
  const seamAttributes = r.u64("body.seamAttributes");
  const tdAttributes = r.u64("body.tdAttributes");
  const xfam = r.u64("body.xfam");
  const mrTd = m("mrTd");
  const mrConfigId = m("mrConfigId");
  const mrOwner = m("mrOwner");
  const mrOwnerConfig = m("mrOwnerConfig");
  const rtmrs = [m("rtmr0"), m("rtmr1"), m("rtmr2"), m("rtmr3")] as const;
  const reportData = r.take(64, "body.reportData");
  const base = {
    bodyType,
    teeTcbSvn,
    mrSeam,
    mrSignerSeam,
    seamAttributes,
    tdAttributes,
    xfam,
    mrTd,
    mrConfigId,
    mrOwner,
    mrOwnerConfig,
    rtmrs,
    reportData,
  };
  if (bodyType === BODY_TYPE_TD10) return base;
  return { ...base, teeTcbSvn2: r.take(16, "body.teeTcbSvn2"), mrServiceTd: m("mrServiceTd") };
}

/** v5 body descriptor: u16 type, u32 size; only TDX bodies of their exact size are accepted. */
function parseBodyDescriptor(r: Reader): 2 | 3 {
  const type = r.u16("bodyDescriptor.type");
  const size = r.u32("bodyDescriptor.size");
  if (type === BODY_TYPE_TD10 && size === TD10_BODY_SIZE) return BODY_TYPE_TD10;
  if (type === BODY_TYPE_TD15 && size === TD15_BODY_SIZE) return BODY_TYPE_TD15;
  if (type !== BODY_TYPE_TD10 && type !== BODY_TYPE_TD15) {
    fail("tdx_unsupported_body_type", "bodyDescriptor.type", "2 (TDX 1.0) or 3 (TDX 1.5)", type);
  }
  const want = type === BODY_TYPE_TD10 ? TD10_BODY_SIZE : TD15_BODY_SIZE;
  return fail("tdx_bad_length", "bodyDescriptor.size", `${want} for body type ${type}`, size);
}

export function parseQeReport(raw: Uint8Array): SgxQeReport {
  const r = new Reader(raw);
  const cpuSvn = r.take(16, "qeReport.cpuSvn");
  const miscSelect = r.u32("qeReport.miscSelect");
  r.take(28, "qeReport.reserved1");
  const attributes = r.take(16, "qeReport.attributes");
  const mrEnclave = r.take(32, "qeReport.mrEnclave");
  r.take(32, "qeReport.reserved2");
  const mrSigner = r.take(32, "qeReport.mrSigner");
  r.take(96, "qeReport.reserved3");
  const isvProdId = r.u16("qeReport.isvProdId");
  const isvSvn = r.u16("qeReport.isvSvn");
  r.take(60, "qeReport.reserved4");
  const reportData = r.take(64, "qeReport.reportData");
  return {
    cpuSvn,
    miscSelect,
    attributes,
    mrEnclave,
    mrSigner,
    isvProdId,
    isvSvn,
    reportData,
    raw: raw.slice(),
  };
}

/** Reads `u16 type, u32 size` and checks the type; returns the declared size. */
function readCertDataHeader(r: Reader, want: number, field: string): number {
  const type = r.u16(`${field}.type`);
  if (type !== want) fail("tdx_unsupported_cert_data", `${field}.type`, String(want), type);
  return r.u32(`${field}.size`);
}

const ASCII = new TextDecoder("ascii");

/** The PCK chain is PEM text; Intel's QE appends a NUL terminator (Intel TDX DCAP Quoting Library API, quote v4/v5). */
function decodePckChain(bytes: Uint8Array): string {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  const body = bytes.subarray(0, end);
  for (let i = 0; i < body.length; i++) {
    const b = body[i]!;
    if (b === 0 || b > 0x7e)
      fail("tdx_bad_pck_chain", "pckChain", "ASCII PEM text", `byte 0x${toHex(Uint8Array.of(b))}`);
  }
  return ASCII.decode(body);
}

/** QE report certification data (type 6): QE report, its signature, QE auth data, inner PCK chain (type 5). */
function parseQeCertData(r: Reader, size: number) {
  const end = r.offset + size;
  if (end > r.bytes.length)
    fail("tdx_quote_truncated", "certData.size", `<= ${r.bytes.length - r.offset}`, size);
  const qeReport = parseQeReport(r.take(QE_REPORT_SIZE, "qeReport"));
  const qeReportSignature = r.take(ECDSA_SIG_SIZE, "qeReportSignature");
  const authSize = r.u16("qeAuthData.size");
  const qeAuthData = r.take(authSize, "qeAuthData");
  const chainSize = readCertDataHeader(r, CERT_DATA_PCK_CHAIN, "pckCertData");
  const pckChainPem = decodePckChain(r.take(chainSize, "pckCertData"));
  if (r.offset !== end) fail("tdx_bad_length", "certData.size", String(r.offset - (end - size)), size);
  return { qeReport, qeReportSignature, qeAuthData, pckChainPem };
}

/**
 * Parses a TDX quote v4 or v5. Trailing bytes after the declared signature data are ignored (real
 * quotes arrive in fixed-size buffers); every declared length inside the quote must add up exactly.
 */
export function parseTdxQuote(bytes: Uint8Array): TdxQuote {
  if (!(bytes instanceof Uint8Array)) fail("tdx_quote_invalid", "quote", "bytes", typeof bytes);
  if (bytes.length > MAX_QUOTE_SIZE)
    fail("tdx_bad_length", "quote", `at most ${MAX_QUOTE_SIZE} bytes`, bytes.length);
  const h = new Reader(bytes);
  const header = parseHeader(h);
  const bodyType = header.version === 4 ? BODY_TYPE_TD10 : parseBodyDescriptor(h);
  const body = parseBody(h, bodyType);
  const signedEnd = h.offset;
  const sigDataSize = h.u32("signatureData.size");
  const sigStart = h.offset;
  if (sigStart + sigDataSize > bytes.length) {
    fail("tdx_quote_truncated", "signatureData.size", `<= ${bytes.length - sigStart}`, sigDataSize);
  }
  // Everything after this point must lie inside the declared signature data.
  const r = new Reader(bytes.subarray(0, sigStart + sigDataSize), sigStart);
  const signature = r.take(ECDSA_SIG_SIZE, "signature");
  const attestationKey = r.take(ECDSA_KEY_SIZE, "attestationKey");
  const certSize = readCertDataHeader(r, CERT_DATA_QE_REPORT, "certData");
  const cert = parseQeCertData(r, certSize);
  if (r.offset !== sigStart + sigDataSize) {
    fail("tdx_bad_length", "signatureData.size", String(r.offset - sigStart), sigDataSize);
  }
  return {
    header,
    body,
    signedBytes: bytes.slice(0, signedEnd),
    signature,
    attestationKey,
    ...cert,
    raw: bytes.slice(0, r.offset),
  };
}
