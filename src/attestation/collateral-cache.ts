// The on-disk collateral cache: one file per URL (named by SHA-256 of the URL), each entry re-checked on read (magic,
// URL, length, SHA-256); a corrupt file reads as absent. What to fetch and when to refresh is collateral-fetch.ts.

import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../common/atomic-file.ts";
import { concatBytes, fromUtf8, utf8 } from "../common/bytes.ts";
import { sha256Hex } from "../common/digest.ts";

/** One stored HTTP response: the exact body bytes, the headers the caller asked to keep (lower-case names), fetch time. */
export interface CachedResponse {
  readonly body: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
  readonly fetchedAt: Date;
}

export interface CollateralCache {
  readonly dir: string;
  /** The stored entry for `url`, or undefined when absent, unreadable or corrupt. */
  read(url: string): CachedResponse | undefined;
  /** Stores an entry atomically; throws on I/O errors (fetchCollateral ignores them). */
  write(url: string, entry: CachedResponse): void;
}

const MAGIC = "contrast-collateral-cache v1\n";
const MAX_ENTRY_BYTES = 32 * 1024 * 1024;

/** Hex SHA-256 of the URL: the entry's file name. */
export function cacheKey(url: string): string {
  return sha256Hex(url);
}

/** An on-disk cache in `dir` (created on first write). The caller resolves the directory (CLI: $CONTRAST_CACHE_DIR). */
export function createCollateralCache(dir: string): CollateralCache {
  return {
    dir,
    read(url) {
      return readEntry(join(dir, cacheKey(url)), url);
    },
    write(url, entry) {
      writeFileAtomic(join(dir, cacheKey(url)), encodeEntry(url, entry), { mkdirs: true });
    },
  };
}

function encodeEntry(url: string, e: CachedResponse): Uint8Array {
  const meta = {
    url,
    fetchedAt: e.fetchedAt.toISOString(),
    headers: e.headers,
    size: e.body.length,
    sha256: sha256Hex(e.body),
  };
  return concatBytes(utf8(MAGIC), utf8(JSON.stringify(meta)), utf8("\n"), e.body);
}

function readEntry(path: string, url: string): CachedResponse | undefined {
  try {
    if (statSync(path).size > MAX_ENTRY_BYTES) return undefined;
    return decodeEntry(new Uint8Array(readFileSync(path)), url);
  } catch {
    return undefined; // absent or unreadable: same as a miss
  }
}

function decodeEntry(bytes: Uint8Array, url: string): CachedResponse | undefined {
  const magic = utf8(MAGIC);
  if (bytes.length < magic.length || fromUtf8(bytes.subarray(0, magic.length)) !== MAGIC) return undefined;
  const nl = bytes.indexOf(0x0a, magic.length);
  if (nl < 0) return undefined;
  const meta: unknown = JSON.parse(fromUtf8(bytes.subarray(magic.length, nl)));
  const body = bytes.slice(nl + 1);
  if (typeof meta !== "object" || meta === null) return undefined;
  const m = meta as Record<string, unknown>;
  if (m.url !== url || m.size !== body.length || m.sha256 !== sha256Hex(body)) return undefined;
  const fetchedAt = new Date(typeof m.fetchedAt === "string" ? m.fetchedAt : Number.NaN);
  if (Number.isNaN(fetchedAt.getTime())) return undefined;
  const headers = readHeaders(m.headers);
  return headers === undefined ? undefined : { body, headers, fetchedAt };
}

function readHeaders(v: unknown): Record<string, string> | undefined {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== "string") return undefined;
    out[k] = val;
  }
  return out;
}
