// SNP certificate table from the host (GHCB extended guest request / configfs-tsm auxblob): parse and pick by GUID (AMD GHCB spec #56421, certificate table).
//
// Layout: 24-byte entries `{ guid[16], offset u32 LE, length u32 LE }` terminated by an all-zero entry, followed by
// the blobs; offsets count from the start of the table. GUID bytes are in RFC-4122 string order. Everything here is
// untrusted: the table only hands candidate certificates to chain validation.

import { view } from "../../common/bytes.ts";
import { ParseError } from "../../common/errors.ts";
import { formatGuid } from "../../common/guid.ts";

export interface SnpCertTableEntry {
  /** Lower-case 8-4-4-4-12 form of the 16 GUID bytes in stored order. */
  readonly guid: string;
  readonly data: Uint8Array;
}

export interface SnpCerts {
  vcek?: Uint8Array;
  vlek?: Uint8Array;
  /** ASK, or the ASVK in a VLEK table (the same GUID is used for both). */
  ask?: Uint8Array;
  ark?: Uint8Array;
  crl?: Uint8Array;
}

/** GUIDs of the table entries (AMD GHCB spec #56421, certificate table). */
export const SNP_CERT_GUIDS = {
  vcek: "63da758d-e664-4564-adc5-f4b93be8accd",
  vlek: "a8074bc2-a25a-483e-aae6-39c045a0b8a1",
  ask: "4ab7b379-bbac-4fe4-a02f-05aef327c782",
  ark: "c0b406a4-a803-4952-9743-3fb6014cd0ae",
  crl: "92f81bc3-5811-4d3d-97ff-d19f88dc67ea",
} as const;

const ENTRY_SIZE = 24;

/**
 * Parses a certificate table. Errors (ParseError): `snp_cert_table_unterminated` (no all-zero entry),
 * `snp_cert_table_bounds` (an entry's data inside the header, past the end, or empty),
 * `snp_cert_table_overlap` (two entries share bytes), `snp_cert_table_duplicate` (a GUID twice).
 * Bytes after the last blob are ignored (the kernel passes whole pages).
 */
export function parseSnpCertTable(bytes: Uint8Array): SnpCertTableEntry[] {
  const raw = readHeaders(bytes);
  const headerEnd = (raw.length + 1) * ENTRY_SIZE;
  const seen = new Set<string>();
  for (const [i, e] of raw.entries()) {
    if (e.length === 0 || e.offset < headerEnd || e.offset + e.length > bytes.length) {
      throw new ParseError(
        "snp_cert_table_bounds",
        `entries[${i}]: expected data within ${headerEnd}..${bytes.length}, got offset ${e.offset} length ${e.length}`,
        { field: `entries[${i}]` },
      );
    }
    if (seen.has(e.guid)) {
      throw new ParseError(
        "snp_cert_table_duplicate",
        `entries[${i}].guid: expected unique, got ${e.guid} again`,
        {
          field: `entries[${i}].guid`,
        },
      );
    }
    seen.add(e.guid);
  }
  checkNoOverlap(raw);
  return raw.map((e) => ({ guid: e.guid, data: bytes.slice(e.offset, e.offset + e.length) }));
}

interface RawEntry {
  guid: string;
  offset: number;
  length: number;
}

function readHeaders(bytes: Uint8Array): RawEntry[] {
  const dv = view(bytes);
  const out: RawEntry[] = [];
  for (let at = 0; at + ENTRY_SIZE <= bytes.length; at += ENTRY_SIZE) {
    const entry = bytes.subarray(at, at + ENTRY_SIZE);
    if (entry.every((b) => b === 0)) return out;
    out.push({
      guid: formatGuid(entry.subarray(0, 16), "rfc4122"),
      offset: dv.getUint32(at + 16, true),
      length: dv.getUint32(at + 20, true),
    });
  }
  throw new ParseError(
    "snp_cert_table_unterminated",
    `cert table: expected an all-zero terminator entry, got none in ${bytes.length} bytes`,
  );
}

function checkNoOverlap(raw: readonly RawEntry[]): void {
  const sorted = [...raw].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    if (prev.offset + prev.length > cur.offset) {
      throw new ParseError(
        "snp_cert_table_overlap",
        `cert table: expected disjoint entries, got ${prev.guid} and ${cur.guid} sharing bytes at ${cur.offset}`,
      );
    }
  }
}

/** Selects the known entries by GUID; unknown GUIDs (e.g. go-sev-guest's extra platform info) are ignored. */
export function pickSnpCerts(entries: readonly SnpCertTableEntry[]): SnpCerts {
  const out: SnpCerts = {};
  const names = Object.keys(SNP_CERT_GUIDS) as (keyof SnpCerts)[];
  for (const e of entries) {
    const name = names.find((n) => SNP_CERT_GUIDS[n] === e.guid.toLowerCase());
    if (name === undefined) continue;
    if (out[name] !== undefined) {
      throw new ParseError("snp_cert_table_duplicate", `${name}: expected one entry, got more`, {
        field: name,
      });
    }
    out[name] = e.data;
  }
  return out;
}
