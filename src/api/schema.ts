// Request-body checks for the Coordinator API: every field is checked before use, errors name the field.

import type { Evidence } from "../attestation/evidence.ts";
import { isTee, TEE_NAMES } from "../attestation/platforms.ts";
import { fromBase64, fromHex } from "../common/bytes.ts";
import { describeValue } from "../common/errors.ts";
import { ApiError } from "./errors.ts";
import type { EvidenceWire } from "./types.ts";

function bad(field: string, expected: string, got: unknown): never {
  throw new ApiError("invalid_argument", `${field}: expected ${expected}, got ${describeValue(got)}`);
}

export function expectObject(v: unknown, field: string, allowed: readonly string[]): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) bad(field, "object", v);
  for (const k of Object.keys(v as object)) {
    if (!allowed.includes(k)) bad(`${field}.${k}`, "no such field", (v as Record<string, unknown>)[k]);
  }
  return v as Record<string, unknown>;
}

export function expectString(v: unknown, field: string, maxLength = 1 << 20): string {
  if (typeof v !== "string") bad(field, "string", v);
  if ((v as string).length > maxLength) bad(field, `at most ${maxLength} characters`, v);
  return v as string;
}

export function expectBase64(
  v: unknown,
  field: string,
  opts: { length?: number; maxBytes?: number } = {},
): Uint8Array {
  const s = expectString(v, field, opts.maxBytes ? Math.ceil(opts.maxBytes / 3) * 4 + 4 : 1 << 24);
  let b: Uint8Array;
  try {
    b = fromBase64(s, field);
  } catch {
    bad(field, "standard padded base64", s);
  }
  if (opts.length !== undefined && b.length !== opts.length) bad(field, `${opts.length} bytes`, b);
  return b;
}

export function expectHex(v: unknown, field: string, length: number): Uint8Array {
  const s = expectString(v, field, length * 2 + 2);
  if (!/^[0-9a-f]*$/.test(s) || s.length !== length * 2)
    bad(field, `${length * 2} lowercase hex characters`, s);
  return fromHex(s, field, length);
}

export function expectArray(v: unknown, field: string, maxItems: number): unknown[] {
  if (!Array.isArray(v)) bad(field, "array", v);
  if ((v as unknown[]).length > maxItems) bad(field, `at most ${maxItems} items`, v);
  return v as unknown[];
}

const MAX_REPORT = 64 * 1024;
const MAX_CERT = 16 * 1024;

export function parseEvidence(v: unknown, field = "evidence"): Evidence {
  const o = expectObject(v, field, ["platform", "report", "certs"]);
  const platform = o.platform;
  if (!isTee(platform))
    bad(`${field}.platform`, TEE_NAMES.map((t) => JSON.stringify(t)).join(" or "), platform);
  const report = expectBase64(o.report, `${field}.report`, { maxBytes: MAX_REPORT });
  const certs: Evidence["certs"] = {};
  if (o.certs !== undefined) {
    const c = expectObject(o.certs, `${field}.certs`, ["vcek", "vlek", "ask", "ark", "crl"]);
    for (const k of ["vcek", "vlek", "ask", "ark", "crl"] as const) {
      if (c[k] !== undefined)
        certs[k] = expectBase64(c[k], `${field}.certs.${k}`, { maxBytes: MAX_CERT * 4 });
    }
  }
  return { platform, report, certs };
}

export function encodeEvidence(e: Evidence): EvidenceWire {
  const certs: NonNullable<EvidenceWire["certs"]> = {};
  for (const [k, v] of Object.entries(e.certs)) {
    if (v) certs[k as keyof typeof certs] = Buffer.from(v).toString("base64");
  }
  return { platform: e.platform, report: Buffer.from(e.report).toString("base64"), certs };
}
