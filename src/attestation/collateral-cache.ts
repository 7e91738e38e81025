// Cached collateral fetching (AMD KDS, Intel PCS): on-disk entries keyed by SHA-256(URL), deadlines, size limits, stale-on-failure.
//
// Immutable collateral (VCEK certificates, KDS cert_chain) is kept forever. Mutable collateral (CRLs, TCB info,
// QE identity) is refreshed after `maxAgeMs` or, for CRLs, once their nextUpdate has passed, and served stale when
// the server cannot be reached: the verifiers
// check nextUpdate themselves, so a stale entry is never accepted past its own validity. Every cached entry is
// re-checked on read (magic, URL, length, SHA-256, and the caller's parser); a corrupt file is ignored and refetched.

import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { X509Crl } from "@peculiar/x509";
import { writeFileAtomic } from "../common/atomic-file.ts";
import { concatBytes, fromUtf8, utf8 } from "../common/bytes.ts";
import { sha256Hex } from "../common/digest.ts";
import { ParseError, UnavailableError } from "../common/errors.ts";

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

/** nextUpdate of a DER CRL (undefined when absent or unreadable): a cached CRL is refetched once it has passed. */
export function crlNextUpdate(der: Uint8Array): Date | undefined {
  try {
    return new X509Crl(der).nextUpdate;
  } catch {
    return undefined;
  }
}

/**
 * How long an entry may be served without asking the server: forever, or for `maxAgeMs` after it was fetched and
 * never past the time `expiresAt` reads from the parsed value (a CRL's nextUpdate).
 */
export type CachePolicy<T = unknown> =
  | "immutable"
  | { readonly maxAgeMs: number; readonly expiresAt?: (value: T) => Date | undefined };

export interface CollateralRequest<T> {
  url: string;
  policy: CachePolicy<T>;
  /** Response headers to store with the body (case-insensitive). */
  keepHeaders?: readonly string[];
  /** Turns a response into the caller's value; throws when it is malformed. Runs before caching and on every cache read. */
  parse: (r: CachedResponse) => T;
}

export interface CollateralFetchOptions {
  fetch: typeof globalThis.fetch;
  /** Deadline for the whole call, retries included. */
  timeoutMs: number;
  /** Extra attempts after a network error, 429 or 5xx. */
  retries: number;
  /** First back-off delay; doubles per retry. */
  retryDelayMs: number;
  maxBytes: number;
  cache: CollateralCache | undefined;
  now: () => Date;
}

export interface CollateralResult<T> {
  readonly value: T;
  readonly fetchedAt: Date;
  /** `cache`: fresh entry; `stale`: mutable entry past its max age, served because the server failed. */
  readonly source: "network" | "cache" | "stale";
}

/**
 * Returns the collateral at `req.url` from the cache when fresh, else from the network (then cached).
 * Errors: UnavailableError `collateral_not_found` (HTTP 404) or `collateral_unavailable` (timeout, network,
 * other status, oversize or malformed body); a mutable entry is served stale instead of `collateral_unavailable`.
 */
export async function fetchCollateral<T>(
  req: CollateralRequest<T>,
  opts: CollateralFetchOptions,
): Promise<CollateralResult<T>> {
  const cached = readParsed(req, opts.cache);
  if (cached !== undefined && isFresh(cached, req.policy, opts.now())) {
    return { value: cached.value, fetchedAt: cached.entry.fetchedAt, source: "cache" };
  }
  try {
    const entry = await fetchWithRetries(req, opts);
    const value = parseResponse(req, entry);
    try {
      opts.cache?.write(req.url, entry);
    } catch {
      // The cache only saves round trips; an unwritable cache directory must not fail attestation.
    }
    return { value, fetchedAt: entry.fetchedAt, source: "network" };
  } catch (e) {
    const unavailable = e instanceof UnavailableError && e.code === "collateral_unavailable";
    if (cached !== undefined && req.policy !== "immutable" && unavailable) {
      return { value: cached.value, fetchedAt: cached.entry.fetchedAt, source: "stale" };
    }
    throw e;
  }
}

function readParsed<T>(
  req: CollateralRequest<T>,
  cache: CollateralCache | undefined,
): { entry: CachedResponse; value: T } | undefined {
  const entry = cache?.read(req.url);
  if (entry === undefined) return undefined;
  try {
    return { entry, value: req.parse(entry) };
  } catch {
    return undefined; // a cached body the parser rejects is corrupt: refetch it
  }
}

function isFresh<T>(cached: { entry: CachedResponse; value: T }, policy: CachePolicy<T>, now: Date): boolean {
  if (policy === "immutable") return true;
  const age = now.getTime() - cached.entry.fetchedAt.getTime();
  if (!(age >= 0 && age < policy.maxAgeMs)) return false;
  const expires = policy.expiresAt?.(cached.value);
  return expires === undefined || now.getTime() < expires.getTime();
}

function parseResponse<T>(req: CollateralRequest<T>, entry: CachedResponse): T {
  try {
    return req.parse(entry);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new UnavailableError("collateral_unavailable", `GET ${req.url}: malformed response: ${reason}`, {
      cause: e,
    });
  }
}

type Attempt =
  | { ok: true; entry: CachedResponse }
  | { ok: false; error: UnavailableError; retryable: boolean };

async function fetchWithRetries<T>(
  req: CollateralRequest<T>,
  opts: CollateralFetchOptions,
): Promise<CachedResponse> {
  const signal = AbortSignal.timeout(opts.timeoutMs);
  for (let attempt = 0; ; attempt++) {
    const r = await fetchOnce(req, opts, signal);
    if (r.ok) return r.entry;
    if (!r.retryable || attempt >= opts.retries) throw r.error;
    if (!(await sleep(opts.retryDelayMs * 2 ** attempt, signal))) throw timeoutError(req.url, opts.timeoutMs);
  }
}

async function fetchOnce<T>(
  req: CollateralRequest<T>,
  opts: CollateralFetchOptions,
  signal: AbortSignal,
): Promise<Attempt> {
  let res: Response;
  try {
    res = await opts.fetch(req.url, { signal, redirect: "follow" });
  } catch (e) {
    return { ok: false, error: networkError(req.url, e, signal, opts.timeoutMs), retryable: !signal.aborted };
  }
  if (res.status !== 200) {
    await res.body?.cancel().catch(() => {});
    const code = res.status === 404 ? "collateral_not_found" : "collateral_unavailable";
    const error = new UnavailableError(code, `GET ${req.url}: expected http status 200, got ${res.status}`);
    return { ok: false, error, retryable: res.status === 429 || res.status >= 500 };
  }
  try {
    const body = await readLimited(res, req.url, opts.maxBytes);
    return {
      ok: true,
      entry: { body, headers: pickHeaders(res.headers, req.keepHeaders), fetchedAt: opts.now() },
    };
  } catch (e) {
    if (e instanceof UnavailableError) return { ok: false, error: e, retryable: false };
    return { ok: false, error: networkError(req.url, e, signal, opts.timeoutMs), retryable: !signal.aborted };
  }
}

async function readLimited(res: Response, url: string, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = (got: string) =>
    new UnavailableError(
      "collateral_unavailable",
      `GET ${url}: expected at most ${maxBytes} bytes, got ${got}`,
    );
  const declared = res.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) {
    await res.body?.cancel().catch(() => {});
    throw tooLarge(`content-length ${declared}`);
  }
  if (res.body === null) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(`more than ${maxBytes}`);
    }
    chunks.push(value);
  }
  return concatBytes(...chunks);
}

function pickHeaders(h: Headers, names: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names ?? []) {
    const v = h.get(name);
    if (v !== null) out[name.toLowerCase()] = v;
  }
  return out;
}

function timeoutError(url: string, timeoutMs: number): UnavailableError {
  return new UnavailableError("collateral_unavailable", `GET ${url}: timed out after ${timeoutMs} ms`);
}

function networkError(url: string, e: unknown, signal: AbortSignal, timeoutMs: number): UnavailableError {
  if (signal.aborted) return timeoutError(url, timeoutMs);
  const reason = e instanceof Error ? e.message : String(e);
  return new UnavailableError("collateral_unavailable", `GET ${url}: ${reason.toLowerCase()}`, { cause: e });
}

/** Waits `ms`; false when the deadline fires first. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(t);
      resolve(false);
    };
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Throws ParseError `invalid_der` unless `bytes` is exactly one DER SEQUENCE (definite length, nothing after it). */
export function assertSingleDerSequence(bytes: Uint8Array, field: string): void {
  const fail = (why: string) =>
    new ParseError("invalid_der", `${field}: expected one der sequence, ${why}`, { field });
  if (bytes.length < 2 || bytes[0] !== 0x30)
    throw fail(`got first byte ${bytes.length ? hex2(bytes[0]!) : "none"}`);
  const first = bytes[1]!;
  let len = first;
  let header = 2;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n === 0 || n > 4 || bytes.length < 2 + n) throw fail(`got length prefix ${hex2(first)}`);
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + bytes[2 + i]!;
    header = 2 + n;
  }
  if (header + len !== bytes.length) throw fail(`got ${bytes.length} bytes for a declared ${header + len}`);
}

function hex2(b: number): string {
  return `0x${b.toString(16).padStart(2, "0")}`;
}
