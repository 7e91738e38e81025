// Rego lexer: turns policy text into tokens that carry line, column and whether a newline precedes them.

import { type SourceLocation, syntaxError } from "./errors.ts";
import type { RegoValue } from "./value.ts";
import { fromJson } from "./value-json.ts";

export type TokenKind = "ident" | "number" | "string" | "punct" | "json" | "eof";

export interface Token {
  readonly kind: TokenKind;
  /** Identifier or punctuation text, decoded string contents, or the number's source text. */
  readonly value: string;
  readonly loc: SourceLocation;
  /** A line break lies between the previous token and this one. */
  readonly nlBefore: boolean;
  /** Whitespace or a comment lies directly before this token. */
  readonly spaceBefore: boolean;
  /** For `json`: the literal's value. */
  readonly json?: RegoValue;
}

const PUNCT2 = new Set([":=", "==", "!=", "<=", ">="]);
const PUNCT1 = new Set([
  "{",
  "}",
  "[",
  "]",
  "(",
  ")",
  ".",
  ",",
  ";",
  ":",
  "=",
  "<",
  ">",
  "+",
  "-",
  "*",
  "/",
  "%",
  "|",
  "&",
]);
const ESCAPES: Record<string, string> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

/** Tokenizes `text`; throws ParseError `rego_syntax` with the location of the first bad character. */
export function tokenize(file: string, text: string): Token[] {
  const toks: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  let nl = false;
  let space = false;
  const at = (start: number, end: number): SourceLocation => ({
    file,
    line,
    col: start - lineStart + 1,
    start,
    end,
  });
  while (i < text.length) {
    const c = text[i] as string;
    if (c === "\n") {
      i++;
      line++;
      lineStart = i;
      nl = true;
      space = true;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r") {
      i++;
      space = true;
      continue;
    }
    if (c === "#") {
      while (i < text.length && text[i] !== "\n") i++;
      space = true;
      continue;
    }
    const start = i;
    let kind: TokenKind;
    let value: string;
    if (isIdentStart(c)) {
      while (i < text.length && isIdentPart(text[i] as string)) i++;
      kind = "ident";
      value = text.slice(start, i);
    } else if (isDigit(c)) {
      i = scanNumber(text, i, () => at(start, i));
      kind = "number";
      value = text.slice(start, i);
    } else if (c === '"') {
      const r = scanString(text, i, (p, msg) => syntaxError(at(p, p + 1), msg));
      i = r.end;
      kind = "string";
      value = r.value;
    } else if (c === "`") {
      const close = text.indexOf("`", i + 1);
      if (close < 0) throw syntaxError(at(start, start + 1), "unterminated raw string");
      value = text.slice(i + 1, close);
      const loc = at(start, close + 1);
      for (let j = i + 1; j < close; j++) {
        if (text[j] === "\n") {
          line++;
          lineStart = j + 1;
        }
      }
      i = close + 1;
      toks.push({ kind: "string", value, loc, nlBefore: nl, spaceBefore: space });
      nl = false;
      space = false;
      continue;
    } else if ((c === "{" || c === "[") && isRuleValueStart(toks)) {
      const literal = scanJsonLiteral(text, i);
      if (literal === undefined) {
        i++;
        kind = "punct";
        value = c;
      } else {
        const loc = at(start, literal.end);
        for (let j = text.indexOf("\n", i); j >= 0 && j < literal.end; j = text.indexOf("\n", j + 1)) {
          line++;
          lineStart = j + 1;
        }
        i = literal.end;
        toks.push({ kind: "json", value: "", json: literal.value, loc, nlBefore: nl, spaceBefore: space });
        nl = false;
        space = false;
        continue;
      }
    } else {
      const two = text.slice(i, i + 2);
      if (PUNCT2.has(two)) value = two;
      else if (PUNCT1.has(c)) value = c;
      else throw syntaxError(at(start, start + 1), `unexpected character ${JSON.stringify(c)}`);
      i += value.length;
      kind = "punct";
    }
    toks.push({ kind, value, loc: at(start, i), nlBefore: nl, spaceBefore: space });
    nl = false;
    space = false;
  }
  toks.push({ kind: "eof", value: "", loc: at(i, i), nlBefore: true, spaceBefore: true });
  return toks;
}

/** After `name :=` at the start of a line: a rule's value such as genpolicy's `policy_data := {…}`, or a local's. */
function isRuleValueStart(toks: readonly Token[]): boolean {
  const assign = toks[toks.length - 1];
  const name = toks[toks.length - 2];
  return assign?.kind === "punct" && assign.value === ":=" && name?.kind === "ident" && name.nlBefore;
}

/**
 * A rule value that is plain JSON, read with JSON.parse instead of token by token (a generated policy is mostly
 * one such literal). Only when the literal is valid JSON of finite numbers and nothing but blanks or a comment
 * follows it on its line; otherwise undefined, and the lexer goes on as usual. Duplicate keys keep the last value,
 * as the Rego object fold does.
 */
function scanJsonLiteral(text: string, start: number): { end: number; value: RegoValue } | undefined {
  let depth = 0;
  let i = start;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
    } else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      if (--depth === 0) break;
    }
  }
  if (depth !== 0) return undefined;
  const end = i + 1;
  let after = end;
  while (text[after] === " " || text[after] === "\t" || text[after] === "\r") after++;
  if (after < text.length && text[after] !== "\n" && text[after] !== "#") return undefined;
  try {
    return { end, value: fromJson(JSON.parse(text.slice(start, end)), "policy") };
  } catch {
    return undefined;
  }
}

function isIdentStart(c: string): boolean {
  return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_";
}

function isIdentPart(c: string): boolean {
  return isIdentStart(c) || isDigit(c);
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "9";
}

/** JSON number grammar (sign handled by the parser). */
function scanNumber(text: string, i: number, loc: () => SourceLocation): number {
  while (isDigit(text[i])) i++;
  if (text[i] === "." && isDigit(text[i + 1])) {
    i++;
    while (isDigit(text[i])) i++;
  }
  if (text[i] === "e" || text[i] === "E") {
    let j = i + 1;
    if (text[j] === "+" || text[j] === "-") j++;
    if (!isDigit(text[j])) throw syntaxError(loc(), "malformed number exponent");
    i = j;
    while (isDigit(text[i])) i++;
  }
  if (isIdentStart(text[i] ?? "0")) throw syntaxError(loc(), "malformed number");
  return i;
}

function scanString(
  text: string,
  i: number,
  fail: (pos: number, msg: string) => Error,
): { value: string; end: number } {
  let out = "";
  let j = i + 1;
  for (;;) {
    const c = text[j];
    if (c === undefined || c === "\n") throw fail(i, "unterminated string");
    if (c === '"') return { value: out, end: j + 1 };
    if (c !== "\\") {
      out += c;
      j++;
      continue;
    }
    const e = text[j + 1] ?? "";
    if (e === "u") {
      const hex = text.slice(j + 2, j + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw fail(j, "invalid \\u escape");
      out += String.fromCharCode(Number.parseInt(hex, 16));
      j += 6;
    } else if (ESCAPES[e] !== undefined) {
      out += ESCAPES[e];
      j += 2;
    } else {
      throw fail(j, `invalid escape ${JSON.stringify(`\\${e}`)}`);
    }
  }
}
