// Manifest SAN strings: classified the way the reference does (edgelesssys/contrast internal/manifest: IP → iPAddress, URL with scheme → URI, else
// DNS) and validated, so that no certificate a strict client would reject (RFC 5280 §4.2.1.6) is ever issued.

import { isIP } from "node:net";
import { ParseError } from "../common/errors.ts";

export interface SubjectAltName {
  readonly type: "ip" | "url" | "dns";
  readonly value: string;
}

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
/** RFC 1123 §2.1 label: letters, digits, hyphens; no leading or trailing hyphen; 1-63 characters. */
const LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
/** URIs are IA5String: printable ASCII without spaces (RFC 3986 §2 allows no raw space or control character). */
const URI_CHARS = /^[\x21-\x7e]+$/;

export function classifySan(san: string): SubjectAltName {
  if (isIP(san) !== 0) return { type: "ip", value: san };
  if (SCHEME.test(san) && URL.canParse(san)) return { type: "url", value: san };
  return { type: "dns", value: san };
}

export function parseSubjectAltNames(sans: readonly string[]): SubjectAltName[] {
  return sans.map(classifySan);
}

/**
 * Why `san` cannot go into a certificate, or undefined when it can. DNS names follow the preferred name syntax
 * (RFC 5280 §4.2.1.6, RFC 1123 §2.1): at most 253 characters of labels, with `*` allowed only as the whole
 * leftmost label (RFC 6125 §6.4.3) or alone (the reference's default SAN). URIs need a scheme and must parse.
 */
export function sanProblem(san: string): string | undefined {
  const { type } = classifySan(san);
  if (type === "ip")
    return san.includes("%")
      ? `expected an ip address without a zone, got ${JSON.stringify(san)}`
      : undefined;
  if (type === "url") {
    return URI_CHARS.test(san) ? undefined : `expected a uri of printable ascii, got ${JSON.stringify(san)}`;
  }
  if (SCHEME.test(san) && /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(san))
    return `expected a valid uri, got ${JSON.stringify(san)}`;
  if (san === "*") return undefined;
  const expected = `expected a dns name, ip address or uri, got ${JSON.stringify(san)}`;
  if (san.length === 0 || san.length > 253) return expected;
  const labels = san.split(".");
  for (const [i, label] of labels.entries()) {
    if (i === 0 && label === "*" && labels.length > 1) continue;
    if (!LABEL.test(label)) return expected;
  }
  return undefined;
}

/**
 * The octets of an IP address as an iPAddress SAN carries them (RFC 5280 §4.2.1.6: 4 or 16 bytes), so addresses
 * written another way (`::1`, `0:0::1`, `::ffff:1.2.3.4`) compare equal.
 */
export function ipAddressBytes(ip: string): Uint8Array {
  const version = isIP(ip);
  if (version === 4) return new Uint8Array(ip.split(".").map(Number));
  if (version !== 6 || ip.includes("%"))
    throw new ParseError(
      "invalid_ip",
      `ip address: expected ipv4 or ipv6 without a zone, got ${JSON.stringify(ip)}`,
    );
  // RFC 4291 §2.2 form 3: the last 32 bits may be written as a dotted quad.
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  const text = dotted ? `${dotted[1]}0:0` : ip;
  const [head = "", tail] = text.split("::");
  const h = head === "" ? [] : head.split(":");
  const t = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups = tail === undefined ? h : [...h, ...new Array(8 - h.length - t.length).fill("0"), ...t];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = Number.parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  });
  if (dotted) out.set(dotted[2]!.split(".").map(Number), 12);
  return out;
}
