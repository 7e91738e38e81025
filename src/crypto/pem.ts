// PEM armor (RFC 7468): encode DER with a label, decode one or all blocks, strictly.

import { fromBase64, toBase64 } from "../common/bytes.ts";
import { ParseError } from "../common/errors.ts";

export interface PemBlock {
  readonly label: string;
  readonly der: Uint8Array;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

/** Encodes DER as PEM with 64-character lines and a trailing newline (RFC 7468 §2). */
export function encodePem(label: string, der: Uint8Array): string {
  const b64 = toBase64(der);
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/** Decodes every PEM block in `text`, in order. Text outside blocks is ignored (RFC 7468 §5.2 explanatory text). */
export function decodePemBlocks(text: string, field = "pem"): PemBlock[] {
  const out: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK)) {
    const body = (m[2] ?? "").replace(/\s+/g, "");
    out.push({ label: m[1] ?? "", der: fromBase64(body, field) });
  }
  return out;
}

/** The DER of every block labelled `label`, in order; blocks with other labels and text around them are skipped. */
export function decodePemDers(text: string, label: string, field = "pem"): Uint8Array[] {
  return decodePemBlocks(text, field)
    .filter((b) => b.label === label)
    .map((b) => b.der);
}

/**
 * A bundle of `label` blocks and nothing else (white space only around and between them), 1 to `max` of them; a
 * chain of certificates as PCS and the TDX quote carry it. ParseError `invalid_pem` otherwise.
 */
export function decodePemBundle(
  text: string,
  label: string,
  field = "pem",
  max = Number.POSITIVE_INFINITY,
): Uint8Array[] {
  const fail = (what: string): never => {
    throw new ParseError("invalid_pem", `${field}: ${what}`, { field });
  };
  if (typeof text !== "string") fail(`expected PEM text, got ${typeof text}`);
  const out: Uint8Array[] = [];
  let last = 0;
  for (const m of text.matchAll(BLOCK)) {
    if (text.slice(last, m.index).trim() !== "")
      fail(`expected only ${label} blocks, got text between blocks`);
    if (m[1] !== label) fail(`expected only ${label} blocks, got ${JSON.stringify(m[1])}`);
    if (out.length === max) fail(`expected at most ${max} ${label} blocks`);
    out.push(fromBase64((m[2] ?? "").replace(/\s+/g, ""), field));
    last = m.index + m[0].length;
  }
  if (text.slice(last).trim() !== "" || out.length === 0)
    fail(`expected PEM ${label} blocks, got other text`);
  return out;
}

/** Decodes exactly one PEM block whose label is one of `labels`. */
export function decodePem(text: string, labels: readonly string[], field = "pem"): PemBlock {
  const blocks = decodePemBlocks(text, field);
  if (blocks.length !== 1) {
    throw new ParseError("invalid_pem", `${field}: expected exactly one pem block, got ${blocks.length}`, {
      field,
    });
  }
  const block = blocks[0] as PemBlock;
  if (!labels.includes(block.label)) {
    throw new ParseError(
      "invalid_pem",
      `${field}: expected pem label ${labels.map((l) => JSON.stringify(l)).join(" or ")}, got ${JSON.stringify(block.label)}`,
      { field },
    );
  }
  return block;
}
