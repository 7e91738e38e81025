// Finds the exact byte span of each member value of a top-level JSON object, so signed JSON (PCS collateral,
// Intel PCS API v4) is verified over the bytes as received, never over a re-serialisation.

import { ParseError } from "../../common/errors.ts";

export interface ByteSpan {
  readonly start: number;
  readonly end: number;
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function bad(field: string, expected: string, at: number): never {
  throw new ParseError("tdx_bad_collateral_json", `${field}: expected ${expected} at byte ${at}`, { field });
}

function skipWs(b: Uint8Array, i: number): number {
  while (i < b.length && WS.has(b[i]!)) i++;
  return i;
}

/** Returns the index just past the closing quote of the string starting at `i`. */
function skipString(b: Uint8Array, i: number, field: string): number {
  for (let j = i + 1; j < b.length; j++) {
    if (b[j] === BACKSLASH) j++;
    else if (b[j] === QUOTE) return j + 1;
  }
  return bad(field, "a closing quote", i);
}

/** Returns the index just past the JSON value starting at `i` (structure only; JSON.parse validates it). */
function skipValue(b: Uint8Array, i: number, field: string): number {
  let depth = 0;
  let j = i;
  while (j < b.length) {
    const c = b[j]!;
    if (c === QUOTE) {
      j = skipString(b, j, field);
      if (depth === 0) return j;
      continue;
    }
    if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      if (depth === 0) return j;
      depth--;
      if (depth === 0) return j + 1;
    } else if (depth === 0 && (c === 0x2c || WS.has(c))) return j;
    j++;
  }
  if (depth !== 0) bad(field, "a closed object or array", i);
  return j;
}

/**
 * Maps each member name of the top-level object in `body` to the byte span of its value.
 * Duplicate names are rejected: a verifier and a later reader could otherwise see different values.
 */
export function findTopLevelMembers(body: Uint8Array, field: string): Map<string, ByteSpan> {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(body);
    JSON.parse(text);
  } catch {
    return bad(field, "valid UTF-8 JSON", 0);
  }
  const out = new Map<string, ByteSpan>();
  let i = skipWs(body, 0);
  if (body[i] !== 0x7b) bad(field, "an object", i);
  i = skipWs(body, i + 1);
  if (body[i] === 0x7d) return out;
  for (;;) {
    if (body[i] !== QUOTE) bad(field, "a member name", i);
    const keyEnd = skipString(body, i, field);
    const name = JSON.parse(new TextDecoder().decode(body.subarray(i, keyEnd))) as string;
    i = skipWs(body, keyEnd);
    if (body[i] !== 0x3a) bad(field, "':'", i);
    const start = skipWs(body, i + 1);
    const end = skipValue(body, start, field);
    if (out.has(name)) bad(field, `member ${JSON.stringify(name)} once`, start);
    out.set(name, { start, end });
    i = skipWs(body, end);
    if (body[i] === 0x7d) return out;
    if (body[i] !== 0x2c) bad(field, "',' or '}'", i);
    i = skipWs(body, i + 1);
  }
}
