// sprintf: Go fmt verbs over OPA's argument conversion (integers, big floats, strings; others as text).

import type { RegoValue } from "../value.ts";
import { formatValue, quoteString } from "../value-json.ts";
import { fail } from "./args.ts";

/** OPA hands Go integers, big floats and strings to fmt; every other value is passed as its text form. */
type FmtArg = { kind: "int"; n: number } | { kind: "float"; n: number } | { kind: "string"; s: string };

function toFmtArg(v: RegoValue): FmtArg {
  if (typeof v === "number") return Number.isInteger(v) ? { kind: "int", n: v } : { kind: "float", n: v };
  if (typeof v === "string") return { kind: "string", s: v };
  return { kind: "string", s: formatValue(v) };
}

function goType(a: FmtArg): string {
  return a.kind === "int" ? "int" : a.kind === "float" ? "*big.Float" : "string";
}

function rawText(a: FmtArg): string {
  return a.kind === "string" ? a.s : a.kind === "int" ? a.n.toFixed(0) : String(a.n);
}

interface Spec {
  minus: boolean;
  plus: boolean;
  zero: boolean;
  sharp: boolean;
  space: boolean;
  width: number | undefined;
  prec: number | undefined;
  verb: string;
}

function bad(spec: Spec, a: FmtArg): string {
  return `%!${spec.verb}(${goType(a)}=${rawText(a)})`;
}

function signed(n: number, s: string, spec: Spec): string {
  if (n < 0) return s;
  return spec.plus ? `+${s}` : spec.space ? ` ${s}` : s;
}

function formatInt(n: number, spec: Spec): string {
  const abs = Math.abs(n);
  const neg = n < 0 ? "-" : "";
  switch (spec.verb) {
    case "d":
    case "v":
      return signed(n, neg + abs.toFixed(0), spec);
    case "x":
      return neg + (spec.sharp ? "0x" : "") + abs.toString(16);
    case "X":
      return neg + (spec.sharp ? "0X" : "") + abs.toString(16).toUpperCase();
    case "o":
      return neg + (spec.sharp ? "0" : "") + abs.toString(8);
    case "b":
      return neg + abs.toString(2);
    case "c":
      return String.fromCodePoint(abs);
    case "q":
      return `'${String.fromCodePoint(abs)}'`;
    case "e":
    case "f":
    case "g":
      return formatFloat(n, spec);
    default:
      return bad(spec, { kind: "int", n });
  }
}

function formatFloat(n: number, spec: Spec): string {
  switch (spec.verb) {
    case "f":
    case "F":
      return signed(n, n.toFixed(spec.prec ?? 6), spec);
    case "e":
      return signed(n, goExponent(n.toExponential(spec.prec ?? 6)), spec);
    case "v":
    case "g":
      return signed(n, spec.prec === undefined ? String(n) : String(Number(n.toPrecision(spec.prec))), spec);
    default:
      return bad(spec, { kind: "float", n });
  }
}

/** JS writes 1e+0; Go writes 1e+00 (at least two exponent digits). */
function goExponent(s: string): string {
  return s.replace(/e([+-])(\d)$/, "e$10$2");
}

function formatString(s: string, spec: Spec): string {
  switch (spec.verb) {
    case "s":
    case "v":
      return spec.prec === undefined ? s : Array.from(s).slice(0, spec.prec).join("");
    case "q":
      return quoteString(s);
    case "x":
    case "X": {
      const hex = Buffer.from(s, "utf8").toString("hex");
      return spec.verb === "X" ? hex.toUpperCase() : hex;
    }
    default:
      return bad(spec, { kind: "string", s });
  }
}

function pad(s: string, spec: Spec, numeric: boolean): string {
  const w = spec.width ?? 0;
  const len = Array.from(s).length;
  if (len >= w) return s;
  if (spec.minus) return s + " ".repeat(w - len);
  if (spec.zero && numeric) {
    const sign = /^[+\- ]/.test(s) ? (s[0] as string) : "";
    return sign + "0".repeat(w - len) + s.slice(sign.length);
  }
  return " ".repeat(w - len) + s;
}

function formatOne(a: FmtArg, spec: Spec): string {
  if (a.kind === "int") return pad(formatInt(a.n, spec), spec, true);
  if (a.kind === "float") return pad(formatFloat(a.n, spec), spec, true);
  return pad(formatString(a.s, spec), spec, false);
}

/** Bounds output size: a policy cannot make one call allocate gigabytes. */
const MAX_WIDTH = 10_000;

const SPEC = /%([-+# 0]*)(\d+)?(?:\.(\d*))?([a-zA-Z%])/y;

/** Formats like Go's fmt.Sprintf with OPA's conversion of the argument array. */
export function formatSprintf(format: string, values: readonly RegoValue[]): string {
  const args = values.map(toFmtArg);
  let out = "";
  let next = 0;
  let i = 0;
  while (i < format.length) {
    const pct = format.indexOf("%", i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    SPEC.lastIndex = pct;
    const m = SPEC.exec(format);
    if (m === null) {
      out += "%!(NOVERB)";
      i = pct + 1;
      continue;
    }
    i = SPEC.lastIndex;
    const [, flags = "", width, prec, verb = "v"] = m;
    if (verb === "%") {
      out += "%";
      continue;
    }
    if (Number(width ?? 0) > MAX_WIDTH || Number(prec ?? 0) > MAX_WIDTH)
      fail("sprintf: width or precision too large");
    const spec: Spec = {
      minus: flags.includes("-"),
      plus: flags.includes("+"),
      zero: flags.includes("0"),
      sharp: flags.includes("#"),
      space: flags.includes(" "),
      width: width === undefined ? undefined : Number(width),
      prec: prec === undefined ? undefined : Number(prec || "0"),
      verb,
    };
    const a = args[next++];
    out += a === undefined ? `%!${verb}(MISSING)` : formatOne(a, spec);
  }
  if (next < args.length)
    out += `%!(EXTRA ${args
      .slice(next)
      .map((a) => `${goType(a)}=${rawText(a)}`)
      .join(", ")})`;
  return out;
}
