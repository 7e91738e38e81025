// Cached collateral fetching (AMD KDS, Intel PCS): deadlines, retries, size limits, stale-on-failure, over the store of
// collateral-cache.ts.
//
// Immutable collateral (VCEK certificates, KDS cert_chain) is kept forever. Mutable collateral (CRLs, TCB info,
// QE identity) is refreshed after `maxAgeMs` or, for CRLs, once their nextUpdate has passed, and served stale when
// the server cannot be reached: the verifiers check nextUpdate themselves, so a stale entry is never accepted past its
// own validity. Every cached entry is re-checked by the caller's parser on read; a malformed one is refetched.

import { X509Crl } from "@peculiar/x509";
import { concatBytes } from "../common/bytes.ts";
import { ParseError, UnavailableError } from "../common/errors.ts";
import type { CachedResponse, CollateralCache } from "./collateral-cache.ts";

/** nextUpdate of a DER CRL (undefined when absent or unreadable): a cached CRL is refetched once it has passed. */
export function crlNextUpdate(der: Uint8Array): Date | undefined {
  try {
    return new X509Crl(der).nextUpdate;
  } catch {
    return undefined;
  }
}

/** What every collateral client (AMD KDS, Intel PCS) is configured with; each adds its own and its defaults. */
export interface CollateralClientOptions {
  baseUrl?: string;
  cache?: CollateralCache;
  /** Deadline per call, retries included (default 10 s). */
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
  retries?: number;
  retryDelayMs?: number;
  /** Largest accepted response body. */
  maxResponseBytes?: number;
  now?: () => Date;
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
