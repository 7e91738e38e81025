// Encoding builtins: base64 and base64url (padded, as Go's encoders), hex, JSON marshal/unmarshal.

import type { RegoValue } from "../value.ts";
import { fromJson, marshalJson } from "../value-json.ts";
import { type BuiltinDef, fail, str } from "./args.ts";

const decoder = new TextDecoder("utf-8", { fatal: false });
const encoder = new TextEncoder();

function encode(s: string, enc: "base64" | "base64url"): string {
  const b64 = Buffer.from(encoder.encode(s)).toString("base64");
  return enc === "base64" ? b64 : b64.replace(/\+/g, "-").replace(/\//g, "_");
}

/** Strict decoding: exact alphabet, padding required when `padded`, no stray characters. */
function decode(s: string, enc: "base64" | "base64url", padded: boolean): string {
  const alphabet = enc === "base64" ? "A-Za-z0-9+/" : "A-Za-z0-9\\-_";
  const re = new RegExp(padded ? `^[${alphabet}]*={0,2}$` : `^[${alphabet}]*$`);
  if (!re.test(s) || (padded && s.length % 4 !== 0) || (!padded && s.length % 4 === 1))
    fail("illegal base64 data");
  const std = enc === "base64" ? s : s.replace(/-/g, "+").replace(/_/g, "/");
  const bytes = Buffer.from(std, "base64");
  if (Buffer.from(bytes).toString("base64").replace(/=+$/, "") !== std.replace(/=+$/, ""))
    fail("illegal base64 data");
  return decoder.decode(bytes);
}

function unmarshal(s: string): RegoValue {
  let parsed: unknown;
  try {
    parsed = JSON.parse(s);
  } catch {
    return fail("invalid json");
  }
  return fromJson(parsed, "json");
}

export const ENCODING: Record<string, BuiltinDef> = {
  "base64.encode": { arity: 1, fn: (a) => encode(str(a, 0), "base64") },
  "base64.decode": { arity: 1, fn: (a) => decode(str(a, 0), "base64", true) },
  "base64.is_valid": {
    arity: 1,
    fn: (a) => {
      try {
        decode(str(a, 0), "base64", true);
        return true;
      } catch {
        return false;
      }
    },
  },
  "base64url.encode": { arity: 1, fn: (a) => encode(str(a, 0), "base64url") },
  "base64url.encode_no_pad": { arity: 1, fn: (a) => encode(str(a, 0), "base64url").replace(/=+$/, "") },
  // OPA accepts unpadded input here: padding is used only when the length is a multiple of 4.
  "base64url.decode": { arity: 1, fn: (a) => decode(str(a, 0), "base64url", str(a, 0).length % 4 === 0) },
  "hex.encode": { arity: 1, fn: (a) => Buffer.from(encoder.encode(str(a, 0))).toString("hex") },
  "hex.decode": {
    arity: 1,
    fn: (a) => {
      const s = str(a, 0);
      if (!/^(?:[0-9a-fA-F]{2})*$/.test(s)) fail("invalid hex");
      return decoder.decode(Buffer.from(s, "hex"));
    },
  },
  "json.marshal": { arity: 1, fn: (a) => marshalJson(a[0] as RegoValue) },
  "json.unmarshal": { arity: 1, fn: (a) => unmarshal(str(a, 0)) },
  "json.is_valid": {
    arity: 1,
    fn: (a) => {
      try {
        JSON.parse(str(a, 0));
        return true;
      } catch {
        return false;
      }
    },
  },
};
