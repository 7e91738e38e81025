// IP addresses and CIDR networks parsed as Go's net package does (ParseIP, ParseCIDR, IPNet.Contains): the
// semantics of OPA's net.cidr_* builtins, shared by the Rego engine and the policy settings checks.
//
// Text forms accepted (Go netip.ParseAddr): dotted decimal IPv4 with exactly four fields and no leading zeros;
// IPv6 with 1–4 hex digits per group, at most one "::" standing for at least one zero group, and optionally a
// dotted-decimal IPv4 in place of the last two groups. Zones ("%eth0") are refused, as net.ParseIP does.

const V4_IN_V6 = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/** A parsed address: always 16 bytes; `plain4` when the text was dotted IPv4 (Go's Addr.Is4). */
interface ParsedAddr {
  readonly bytes: Uint8Array;
  readonly plain4: boolean;
}

/** A network as Go's IPNet: `ip` already masked; `ip` and `mask` are 4 bytes (IPv4 text) or 16. */
export interface IpNet {
  readonly ip: Uint8Array;
  readonly mask: Uint8Array;
}

function parseIPv4Fields(s: string): number[] | undefined {
  const fields = s.split(".");
  if (fields.length !== 4) return undefined;
  const out: number[] = [];
  for (const f of fields) {
    if (!/^(?:0|[1-9][0-9]{0,2})$/.test(f)) return undefined;
    const v = Number(f);
    if (v > 255) return undefined;
    out.push(v);
  }
  return out;
}

function parseIPv6(s: string): Uint8Array | undefined {
  if (!/^[0-9A-Fa-f:.]+$/.test(s)) return undefined;
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  const side = (text: string, last: boolean): number[] | undefined => {
    if (text === "") return [];
    const fields = text.split(":");
    const groups: number[] = [];
    for (const [i, f] of fields.entries()) {
      if (/^[0-9A-Fa-f]{1,4}$/.test(f)) groups.push(Number.parseInt(f, 16));
      else {
        const v4 = last && i === fields.length - 1 ? parseIPv4Fields(f) : undefined;
        if (v4 === undefined) return undefined;
        groups.push(
          ((v4[0] as number) << 8) | (v4[1] as number),
          ((v4[2] as number) << 8) | (v4[3] as number),
        );
      }
    }
    return groups;
  };
  const head = side(halves[0] as string, halves.length === 1);
  const tail = halves.length === 2 ? side(halves[1] as string, true) : [];
  if (head === undefined || tail === undefined) return undefined;
  const zeros = 8 - head.length - tail.length;
  if (halves.length === 1 ? zeros !== 0 : zeros < 1) return undefined;
  const groups = [...head, ...new Array<number>(zeros).fill(0), ...tail];
  const out = new Uint8Array(16);
  for (const [i, g] of groups.entries()) {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  }
  return out;
}

function parseAddr(s: string): ParsedAddr | undefined {
  // Go decides by the first '.' or ':' (netip.ParseAddr).
  const m = /[.:]/.exec(s);
  if (m === null) return undefined;
  if (m[0] === ".") {
    const v4 = parseIPv4Fields(s);
    return v4 === undefined ? undefined : { bytes: new Uint8Array([...V4_IN_V6, ...v4]), plain4: true };
  }
  const v6 = parseIPv6(s);
  return v6 === undefined ? undefined : { bytes: v6, plain4: false };
}

/** Go's net.ParseIP: the 16-byte form (IPv4 as ::ffff:a.b.c.d), or undefined when `s` is no address. */
export function parseIp(s: string): Uint8Array | undefined {
  return parseAddr(s)?.bytes;
}

/** Go's IP.To4: the 4-byte form of an IPv4 or IPv4-mapped address, else undefined. */
function to4(ip: Uint8Array): Uint8Array | undefined {
  if (ip.length === 4) return ip;
  if (ip.length === 16 && V4_IN_V6.every((b, i) => ip[i] === b)) return ip.subarray(12);
  return undefined;
}

function cidrMask(ones: number, bits: number): Uint8Array {
  const m = new Uint8Array(bits / 8);
  for (let i = 0; i < ones; i++) m[i >> 3] = (m[i >> 3] as number) | (0x80 >> (i & 7));
  return m;
}

/** Go's IP.Mask. */
function maskIp(ip: Uint8Array, mask: Uint8Array): Uint8Array {
  const v4 = mask.length === 4 ? to4(ip) : undefined;
  const src = v4 ?? ip;
  const out = new Uint8Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = (src[i] as number) & (mask[i] as number);
  return out;
}

/** Go's net.ParseCIDR: "address/prefix", prefix decimal and within the address's bit length. */
export function parseCidr(s: string): IpNet | undefined {
  const slash = s.indexOf("/");
  if (slash < 0) return undefined;
  const addr = parseAddr(s.slice(0, slash));
  const prefix = s.slice(slash + 1);
  if (addr === undefined || !/^[0-9]{1,8}$/.test(prefix)) return undefined;
  const bits = addr.plain4 ? 32 : 128;
  const ones = Number(prefix);
  if (ones > bits) return undefined;
  const mask = cidrMask(ones, bits);
  return { ip: maskIp(addr.bytes, mask), mask };
}

/** Go's IPNet.Contains: IPv4 and IPv4-mapped addresses compare as IPv4. */
export function netContains(n: IpNet, ip: Uint8Array): boolean {
  let nn = to4(n.ip);
  let m = n.mask;
  if (nn === undefined) {
    if (n.ip.length !== 16) return false;
    nn = n.ip;
  }
  if (m.length === 4 && nn.length !== 4) return false;
  if (m.length === 16 && nn.length === 4) m = m.subarray(12);
  const x = to4(ip) ?? ip;
  if (x.length !== nn.length) return false;
  for (let i = 0; i < x.length; i++) {
    if (((nn[i] as number) & (m[i] as number)) !== ((x[i] as number) & (m[i] as number))) return false;
  }
  return true;
}

/** The last address of a network (OPA getLastIP). */
function lastIp(n: IpNet): Uint8Array {
  const out = new Uint8Array(n.mask.length);
  const ip = n.ip.length === n.mask.length ? n.ip : (to4(n.ip) ?? n.ip);
  for (let i = 0; i < out.length; i++) out[i] = (ip[i] as number) | (~(n.mask[i] as number) & 0xff);
  return out;
}

/** OPA net.cidr_contains for a CIDR operand: `a` holds the first and the last address of `b`. */
export function netContainsNet(a: IpNet, b: IpNet): boolean {
  return netContains(a, b.ip) && netContains(a, lastIp(b));
}

/** OPA net.cidr_intersects: either network holds the other's first address. */
export function netsIntersect(a: IpNet, b: IpNet): boolean {
  return netContains(a, b.ip) || netContains(b, a.ip);
}
