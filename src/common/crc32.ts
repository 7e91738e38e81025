// CRC-32 (ISO 3309 / IEEE 802.3, reflected polynomial 0xEDB88320): the gzip trailer (RFC 1952 §8) and the IGVM
// header checksum (microsoft/igvm igvm_defs/src/lib.rs, IGVM_FIXED_HEADER.checksum).

const TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** CRC-32 of the concatenation of `parts` (so a checksum field can be fed as zeros). Int32 keeps the loop small. */
export function crc32(...parts: Uint8Array[]): number {
  let c = -1;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) c = (TABLE[(c ^ (p[i] as number)) & 0xff] as number) ^ (c >>> 8);
  }
  return (c ^ -1) >>> 0;
}
