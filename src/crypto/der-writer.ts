// DER (X.690 §10) written straight into bytes, for what the Coordinator encodes on every admission (mesh leaves,
// report claims): building an asn1js object tree per value cost more than the certificate's signature.

const utf8 = new TextEncoder();

/** The definite-length header (X.690 §8.1.3): short form below 128, else the fewest length octets. */
function header(tag: number, length: number): Uint8Array {
  if (length < 0x80) return Uint8Array.of(tag, length);
  if (length < 0x100) return Uint8Array.of(tag, 0x81, length);
  if (length < 0x10000) return Uint8Array.of(tag, 0x82, length >> 8, length & 0xff);
  if (length < 0x1000000) return Uint8Array.of(tag, 0x83, length >> 16, (length >> 8) & 0xff, length & 0xff);
  throw new RangeError(`der length: expected below 16 MiB, got ${length}`);
}

/** One TLV with tag `tag` (identifier octet) whose contents are `parts` concatenated. */
export function derTlv(tag: number, ...parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const h = header(tag, length);
  const out = new Uint8Array(h.length + length);
  out.set(h);
  let o = h.length;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export const derSequence = (...parts: readonly Uint8Array[]): Uint8Array => derTlv(0x30, ...parts);
export const derSet = (...parts: readonly Uint8Array[]): Uint8Array => derTlv(0x31, ...parts);

/** `[n]` context-specific: constructed (EXPLICIT, or IMPLICIT of a constructed type) or primitive (IMPLICIT). */
export function derContext(n: number, constructed: boolean, ...parts: readonly Uint8Array[]): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 30) throw new RangeError(`context tag: expected 0-30, got ${n}`);
  return derTlv((constructed ? 0xa0 : 0x80) | n, ...parts);
}

const oidCache = new Map<string, Uint8Array>();

/** OBJECT IDENTIFIER from dotted text (X.690 §8.19); encodings are cached, the set of OIDs used is small. */
export function derOid(dotted: string): Uint8Array {
  const hit = oidCache.get(dotted);
  if (hit !== undefined) return hit;
  const arcs = dotted.split(".").map((a) => {
    if (!/^(0|[1-9][0-9]*)$/.test(a)) throw new RangeError(`oid: expected dotted decimal, got ${dotted}`);
    return BigInt(a);
  });
  const [first, second] = arcs;
  if (first === undefined || second === undefined || first > 2n || (first < 2n && second > 39n))
    throw new RangeError(`oid: expected at least two valid arcs, got ${dotted}`);
  const body: number[] = [];
  for (const arc of [first * 40n + second, ...arcs.slice(2)]) {
    const groups = [Number(arc & 0x7fn)];
    for (let v = arc >> 7n; v > 0n; v >>= 7n) groups.unshift(Number(v & 0x7fn) | 0x80);
    body.push(...groups);
  }
  const der = derTlv(0x06, Uint8Array.from(body));
  if (oidCache.size < 1024) oidCache.set(dotted, der);
  return der;
}

/** INTEGER of a non-negative value, minimal two's complement (a leading 0x00 only when the top bit is set). */
export function derUnsignedInteger(v: bigint | number): Uint8Array {
  const x = typeof v === "bigint" ? v : BigInt(v);
  if (x < 0n) throw new RangeError(`integer: expected non-negative, got ${x}`);
  if (typeof v === "number" && Number.isSafeInteger(v) && v < 0x80) return Uint8Array.of(0x02, 0x01, v);
  const bytes: number[] = [];
  for (let r = x; r > 0n; r >>= 8n) bytes.unshift(Number(r & 0xffn));
  if (bytes.length === 0 || bytes[0]! & 0x80) bytes.unshift(0);
  return derTlv(0x02, Uint8Array.from(bytes));
}

/** INTEGER whose two's-complement contents are `bytes` as given (e.g. a serial number already in minimal form). */
export function derIntegerBytes(bytes: Uint8Array): Uint8Array {
  if (bytes.length === 0) throw new RangeError("integer: expected at least one content byte");
  return derTlv(0x02, bytes);
}

const TRUE = Uint8Array.of(0x01, 0x01, 0xff);
const FALSE = Uint8Array.of(0x01, 0x01, 0x00);

/** BOOLEAN; DER requires 0xff for true (X.690 §11.1). */
export function derBoolean(v: boolean): Uint8Array {
  return (v ? TRUE : FALSE).slice();
}

export const derOctetString = (v: Uint8Array): Uint8Array => derTlv(0x04, v);
export const derUtf8String = (s: string): Uint8Array => derTlv(0x0c, utf8.encode(s));

/** BIT STRING: the unused-bits octet, then `bytes` (whose last `unusedBits` bits the caller has zeroed). */
export function derBitString(bytes: Uint8Array, unusedBits = 0): Uint8Array {
  if (!Number.isInteger(unusedBits) || unusedBits < 0 || unusedBits > 7 || (bytes.length === 0 && unusedBits))
    throw new RangeError(`bit string: expected 0-7 unused bits, got ${unusedBits}`);
  return derTlv(0x03, Uint8Array.of(unusedBits), bytes);
}

const pad = (n: number, width: number) => String(n).padStart(width, "0");

/**
 * RFC 5280 §4.1.2.5: UTCTime (YYMMDDHHMMSSZ) through 2049, GeneralizedTime (YYYYMMDDHHMMSSZ) from 2050, both in
 * whole seconds (fractions are not allowed).
 */
export function derTime(d: Date): Uint8Array {
  const year = d.getUTCFullYear();
  if (!Number.isFinite(d.getTime()) || year < 1950 || year > 9999)
    throw new RangeError(`time: expected a date in 1950-9999, got ${d.toString()}`);
  const rest =
    pad(d.getUTCMonth() + 1, 2) +
    pad(d.getUTCDate(), 2) +
    pad(d.getUTCHours(), 2) +
    pad(d.getUTCMinutes(), 2) +
    pad(d.getUTCSeconds(), 2);
  return year < 2050
    ? derTlv(0x17, utf8.encode(`${pad(year % 100, 2)}${rest}Z`))
    : derTlv(0x18, utf8.encode(`${pad(year, 4)}${rest}Z`));
}
