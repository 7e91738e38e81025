// Splits PEM certificate bundles (PCK chain, PCS issuer-chain headers) into DER, strictly.

import { fromBase64 } from "../../common/bytes.ts";
import { ParseError } from "../../common/errors.ts";

const BLOCK = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]*?)-----END CERTIFICATE-----/g;

/** Returns the DER of every CERTIFICATE block; anything but whitespace between blocks is rejected. */
export function splitPemCertificates(text: string, field: string, maxCerts = 8): Uint8Array[] {
  if (typeof text !== "string") {
    throw new ParseError("tdx_bad_pem", `${field}: expected PEM text, got ${typeof text}`, { field });
  }
  const out: Uint8Array[] = [];
  let last = 0;
  for (const m of text.matchAll(BLOCK)) {
    if (text.slice(last, m.index).trim() !== "") {
      throw new ParseError("tdx_bad_pem", `${field}: expected only certificates, got text between blocks`, {
        field,
      });
    }
    if (out.length === maxCerts) {
      throw new ParseError("tdx_bad_pem", `${field}: expected at most ${maxCerts} certificates`, { field });
    }
    out.push(fromBase64((m[1] ?? "").replace(/\s+/g, ""), field));
    last = m.index + m[0].length;
  }
  if (text.slice(last).trim() !== "" || out.length === 0) {
    throw new ParseError("tdx_bad_pem", `${field}: expected PEM certificates, got other text`, { field });
  }
  return out;
}
