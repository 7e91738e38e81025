// Initdata TOML documents (Kata Containers src/libs/kata-types/src/initdata.rs): our deterministic serializer, the cc_init_data annotation codec and the digest.

import { parse as parseToml } from "smol-toml";
import { concatBytes, fromBase64, fromUtf8, toBase64, utf8 } from "../common/bytes.ts";
import { sha256Hex } from "../common/digest.ts";
import { ParseError } from "../common/errors.ts";
import { gunzipLimited, gzipDeterministic } from "./deterministic-gzip.ts";

export const INITDATA_VERSION = "0.1.0";
export const INITDATA_ALGORITHM = "sha256";
export const POLICY_KEY = "policy.rego";
/** Upper bound for a decompressed initdata document (the agent allows 16 MiB policies). */
export const MAX_INITDATA_BYTES = 16 * 1024 * 1024;

// TOML 1.0 §String: multi-line literal strings cannot contain ''' nor control characters other than tab/newline.
const LITERAL_SAFE = /^[^\u0000-\u0008\u000b-\u001f\u007f]*$/u;

function tomlBasicString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (c < 0x20 || c === 0x7f) out += `\\u${c.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}

/** A `[data]` value, or the parts whose concatenation is the value (the rules every pod shares, then its own data). */
export type InitdataValue = string | readonly string[];

/** True when the joined parts can be written as a multi-line literal string holding exactly their text. */
function literalSafe(parts: readonly string[]): boolean {
  let newline = false;
  let tail = "";
  for (const p of parts) {
    if (p.includes("'''") || (tail + p.slice(0, 2)).includes("'''")) return false;
    if (p.includes("\r") || !LITERAL_SAFE.test(p)) return false;
    newline ||= p.includes("\n");
    tail = (tail + p).slice(-2);
  }
  return newline;
}

// The rules text is the same large part of every pod's policy: encoded once per run, not once per pod.
let lastEncoded: { readonly text: string; readonly bytes: Uint8Array } | undefined;
function encodePart(text: string): Uint8Array {
  if (text.length < 4096) return utf8(text);
  if (lastEncoded?.text !== text) lastEncoded = { text, bytes: utf8(text) };
  return lastEncoded.bytes;
}

/**
 * Serialises `[data]` entries in the given key order. Exact bytes matter: they are what gets hashed. A value given in
 * parts is written as their concatenation, encoded part by part, so a pod's policy never exists as one string.
 */
export function serializeInitdata(data: ReadonlyArray<readonly [string, InitdataValue]>): Uint8Array {
  const chunks = [utf8(`version = "${INITDATA_VERSION}"\nalgorithm = "${INITDATA_ALGORITHM}"\n\n[data]\n`)];
  for (const [key, value] of data) {
    // A surrogate pair split between parts would encode differently from the joined text: join those.
    const given = typeof value === "string" ? [value] : value;
    const parts = given.some((p) => /[\ud800-\udbff]$/.test(p)) ? [given.join("")] : given;
    if (literalSafe(parts)) {
      // The newline right after the opening ''' is trimmed by TOML parsers, so the value is exact.
      chunks.push(utf8(`${tomlBasicString(key)} = '''\n`), ...parts.map(encodePart), utf8("'''\n"));
    } else chunks.push(utf8(`${tomlBasicString(key)} = ${tomlBasicString(parts.join(""))}\n`));
  }
  return concatBytes(...chunks);
}

/** Hex SHA-256 of the TOML bytes: the manifest key and the SNP HOST_DATA of the pod VM. */
export function initdataDigest(toml: Uint8Array): string {
  return sha256Hex(toml);
}

/** Annotation value: base64(gzip(TOML)). */
export function encodeInitdataAnnotation(toml: Uint8Array): string {
  return toBase64(gzipDeterministic(toml));
}

export interface DecodedInitdata {
  readonly toml: Uint8Array;
  readonly digest: string;
  readonly data: Readonly<Record<string, string>>;
}

/** Annotation → TOML bytes → validated document; refuses bombs, other versions and other algorithms. */
export function decodeInitdataAnnotation(annotation: string, maxBytes = MAX_INITDATA_BYTES): DecodedInitdata {
  return parseInitdataDocument(gunzipLimited(fromBase64(annotation.trim(), "cc_init_data"), maxBytes));
}

/** TOML bytes (as hashed into HOST_DATA) → validated document; refuses other versions and other algorithms. */
export function parseInitdataDocument(toml: Uint8Array): DecodedInitdata {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(fromUtf8(toml)) as Record<string, unknown>;
  } catch (e) {
    throw new ParseError("initdata_malformed", "initdata expected valid toml", { cause: e });
  }
  if (doc.version !== INITDATA_VERSION) {
    throw new ParseError(
      "initdata_version",
      `initdata version expected ${INITDATA_VERSION}, got ${String(doc.version)}`,
    );
  }
  if (doc.algorithm !== INITDATA_ALGORITHM) {
    throw new ParseError(
      "initdata_algorithm",
      `initdata algorithm expected sha256, got ${String(doc.algorithm)}`,
    );
  }
  const table = doc.data;
  if (typeof table !== "object" || table === null || Array.isArray(table)) {
    throw new ParseError("initdata_malformed", "initdata data expected a table");
  }
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(table)) {
    if (typeof v !== "string")
      throw new ParseError("initdata_malformed", `initdata data.${k} expected a string`);
    data[k] = v;
  }
  return { toml, digest: initdataDigest(toml), data };
}
