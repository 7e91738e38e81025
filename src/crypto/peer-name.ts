// Does a peer certificate name the host a client dialed? subjectAltName only, compared as parsed values.
//
// RFC 6125 §6.4: DNS names compare case-insensitively without a trailing dot; a wildcard is accepted only as the
// whole left-most label of a name with at least three labels (`*.ns.svc` matches `a.ns.svc`, never `a.b.ns.svc`),
// so the bare `*` that default manifests carry matches no host. RFC 5280 §4.2.1.6: an IP host matches only an
// iPAddress entry with the same bytes, so `::1`, `0::1` and `0:0:0:0:0:0:0:1` are one address. The subject CN is
// never consulted.

import { isIP } from "node:net";
import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate } from "@peculiar/asn1-x509";
import * as asn1js from "asn1js";
import { ParseError } from "../common/errors.ts";

const OID_SUBJECT_ALT_NAME = "2.5.29.17";
const TAG_DNS = 2;
const TAG_IP = 7;

export interface CertificateNames {
  /** dNSName entries, lower case, trailing dot removed. */
  readonly dns: readonly string[];
  /** iPAddress entries: 4 or 16 bytes each. */
  readonly ips: readonly Uint8Array[];
}

/** The subjectAltName DNS and IP entries of a DER certificate (other name types are ignored). */
export function readCertificateNames(der: Uint8Array): CertificateNames {
  let cert: Certificate;
  try {
    cert = AsnConvert.parse(der, Certificate);
  } catch (e) {
    throw new ParseError("peer_cert_invalid", "peer certificate: expected der, got malformed asn.1", {
      cause: e,
    });
  }
  const ext = cert.tbsCertificate.extensions?.find((x) => x.extnID === OID_SUBJECT_ALT_NAME);
  if (ext === undefined) return { dns: [], ips: [] };
  const parsed = asn1js.fromBER(ext.extnValue.buffer);
  if (parsed.offset === -1 || !(parsed.result instanceof asn1js.Sequence)) {
    throw new ParseError(
      "peer_cert_invalid",
      "peer certificate subjectAltName: expected a sequence, got malformed",
    );
  }
  const dns: string[] = [];
  const ips: Uint8Array[] = [];
  for (const item of parsed.result.valueBlock.value) {
    if (item.idBlock.tagClass !== 3) continue;
    const bytes = new Uint8Array((item.valueBlock as { valueHexView?: Uint8Array }).valueHexView ?? []);
    if (item.idBlock.tagNumber === TAG_DNS) dns.push(normalizeDnsName(new TextDecoder().decode(bytes)));
    if (item.idBlock.tagNumber === TAG_IP && (bytes.length === 4 || bytes.length === 16)) ips.push(bytes);
  }
  return { dns, ips };
}

function normalizeDnsName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith(".") ? lower.slice(0, -1) : lower;
}

/** IPv4 or IPv6 text (no zone, optional brackets) → 4 or 16 bytes; undefined when it is not an IP literal. */
export function parseIpAddress(text: string): Uint8Array | undefined {
  const host = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  const kind = isIP(host);
  if (kind === 4) return new Uint8Array(host.split(".").map(Number));
  if (kind !== 6 || host.includes("%")) return undefined;
  let tail: number[] = [];
  let text6 = host;
  const v4 = /:(\d+\.\d+\.\d+\.\d+)$/.exec(host);
  if (v4) {
    tail = (v4[1] as string).split(".").map(Number);
    text6 = `${host.slice(0, v4.index)}:0:0`;
  }
  const [left, right] = text6.split("::") as [string, string | undefined];
  const groups = (s: string | undefined) => (s ? s.split(":").map((g) => Number.parseInt(g, 16)) : []);
  const l = groups(left);
  const r = groups(right);
  const words = right === undefined ? l : [...l, ...new Array(8 - l.length - r.length).fill(0), ...r];
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[2 * i] = w >> 8;
    out[2 * i + 1] = w & 0xff;
  });
  if (tail.length === 4) out.set(tail, 12);
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function dnsMatches(pattern: string, host: string): boolean {
  if (!/^[\x21-\x7e]+$/.test(pattern)) return false;
  if (pattern === host) return true;
  const p = pattern.split(".");
  const h = host.split(".");
  if (p[0] !== "*" || p.length < 3 || p.length !== h.length || h[0] === "") return false;
  return p.slice(1).every((label, i) => label !== "" && label === h[i + 1]);
}

/** True when `names` contain `host` (a DNS name or IP literal as dialed). */
export function namesMatchHost(names: CertificateNames, host: string): boolean {
  const ip = parseIpAddress(host);
  if (ip !== undefined) return names.ips.some((x) => sameBytes(x, ip));
  const want = normalizeDnsName(host);
  if (want === "" || want.includes("*")) return false;
  return names.dns.some((pattern) => dnsMatches(pattern, want));
}
