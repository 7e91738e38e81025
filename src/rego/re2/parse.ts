// RE2 syntax (what Go's regexp, OPA and the Kata agent's regorus accept) → a small syntax tree for the linear-time
// matcher (vm.ts). What RE2 lacks is refused here: lookaround, backreferences, \C, \Z, the U flag; inline flags
// (?i) (?s) (?m) only at the start of the pattern, as before.
//
// Single characters and classes become JS character-class source tested against one code point at a time
// (char-class.ts), so JS never backtracks over more than one character.

export class RegexSyntaxError extends Error {}

/** One position's worth of input: JS character-class source (u flag), e.g. `[a-z]`, `\p{L}`, `[^\n]`. */
export interface CharNode {
  readonly k: "char";
  readonly cls: string;
}
export type AssertKind = "begin-text" | "end-text" | "begin-line" | "end-line" | "word" | "not-word";
export type Node =
  | CharNode
  | { readonly k: "any" } // `.` with the s flag: every code point
  | { readonly k: "empty" }
  | { readonly k: "assert"; readonly a: AssertKind }
  | { readonly k: "cat"; readonly items: readonly Node[] }
  | { readonly k: "alt"; readonly items: readonly Node[] }
  | { readonly k: "group"; readonly index: number; readonly name: string | undefined; readonly node: Node }
  | {
      readonly k: "repeat";
      readonly node: Node;
      readonly min: number;
      readonly max: number; // Infinity = unbounded
      readonly greedy: boolean;
    };

export interface ParsedRegex {
  readonly node: Node;
  /** Capture groups, 1-based: names[i - 1] is group i's name or undefined. */
  readonly names: readonly (string | undefined)[];
  readonly caseInsensitive: boolean;
}

/** RE2's limit on a counted repetition (regexp/syntax: "invalid repeat count"). */
export const MAX_REPEAT = 1000;
const MAX_DEPTH = 1000;

const POSIX: Record<string, string> = {
  alnum: "0-9A-Za-z",
  alpha: "A-Za-z",
  ascii: "\\x00-\\x7F",
  blank: "\\t ",
  cntrl: "\\x00-\\x1F\\x7F",
  digit: "0-9",
  graph: "!-~",
  lower: "a-z",
  print: " -~",
  punct: "!-\\/:-@\\[-`{-~",
  space: "\\t\\n\\v\\f\\r ",
  upper: "A-Z",
  word: "0-9A-Za-z_",
  xdigit: "0-9A-Fa-f",
};
const GENERAL_CATEGORIES = new Set(
  "C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs".split(
    " ",
  ),
);
// Perl classes as RE2 defines them: ASCII only (\s has no \v).
const PERL: Record<string, string> = {
  d: "0-9",
  w: "0-9A-Za-z_",
  s: "\\t\\n\\f\\r ",
};
const CONTROL_ESCAPES: Record<string, string> = {
  a: "\\x07",
  f: "\\f",
  t: "\\t",
  n: "\\n",
  r: "\\r",
  v: "\\v",
};

/** Parses `pattern`; throws RegexSyntaxError for anything RE2 would reject or this engine does not support. */
export function parseRegex(pattern: string): ParsedRegex {
  return new Parser(pattern).parse();
}

class Parser {
  private i = 0;
  private depth = 0;
  private dotAll = false;
  private multiLine = false;
  private caseInsensitive = false;
  private readonly names: (string | undefined)[] = [];

  constructor(private readonly p: string) {}

  parse(): ParsedRegex {
    const lead = /^\(\?([a-zA-Z]+)\)/.exec(this.p);
    if (lead !== null) {
      for (const f of lead[1] as string) {
        if (f === "i") this.caseInsensitive = true;
        else if (f === "s") this.dotAll = true;
        else if (f === "m") this.multiLine = true;
        else if (f === "U") throw new RegexSyntaxError("ungreedy flag is not supported");
        else throw new RegexSyntaxError(`invalid flag ${JSON.stringify(f)}`);
      }
      this.i = lead[0].length;
    }
    const node = this.alternation();
    if (this.i < this.p.length) throw new RegexSyntaxError("unexpected )");
    return { node, names: this.names, caseInsensitive: this.caseInsensitive };
  }

  private alternation(): Node {
    if (++this.depth > MAX_DEPTH) throw new RegexSyntaxError("expression nested too deeply");
    const items = [this.concatenation()];
    while (this.p[this.i] === "|") {
      this.i++;
      items.push(this.concatenation());
    }
    this.depth--;
    return items.length === 1 ? (items[0] as Node) : { k: "alt", items };
  }

  private concatenation(): Node {
    const items: Node[] = [];
    while (this.i < this.p.length && this.p[this.i] !== "|" && this.p[this.i] !== ")") {
      const atom = this.atom();
      if (atom === undefined) continue;
      items.push(this.repetitions(atom));
    }
    if (items.length === 0) return { k: "empty" };
    return items.length === 1 ? (items[0] as Node) : { k: "cat", items };
  }

  /** One quantifier (with an optional lazy `?`) may follow an atom; a second one is an error, as in RE2. */
  private repetitions(atom: Node): Node {
    const q = this.quantifier();
    if (q === undefined) return atom;
    if (atom.k === "empty") throw new RegexSyntaxError("missing argument to repetition operator");
    const greedy = this.p[this.i] !== "?";
    if (!greedy) this.i++;
    if (this.quantifierAhead()) throw new RegexSyntaxError("invalid nested repetition operator");
    return { k: "repeat", node: atom, min: q.min, max: q.max, greedy };
  }

  private quantifierAhead(): boolean {
    const c = this.p[this.i];
    return c === "*" || c === "+" || c === "?" || (c === "{" && this.countedRepeat(false) !== undefined);
  }

  private quantifier(): { min: number; max: number } | undefined {
    const c = this.p[this.i];
    if (c === "*" || c === "+" || c === "?") {
      this.i++;
      return c === "*"
        ? { min: 0, max: Infinity }
        : c === "+"
          ? { min: 1, max: Infinity }
          : { min: 0, max: 1 };
    }
    if (c === "{") return this.countedRepeat(true);
    return undefined;
  }

  /** `{n}`, `{n,}`, `{n,m}`; anything else starting with `{` is a literal brace (RE2). */
  private countedRepeat(consume: boolean): { min: number; max: number } | undefined {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(this.p.slice(this.i, this.i + 32));
    if (m === null) return undefined;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === "" ? Infinity : Number(m[3]);
    if (min > MAX_REPEAT || (max !== Infinity && max > MAX_REPEAT) || max < min)
      throw new RegexSyntaxError(`invalid repeat count ${m[0]}`);
    if (consume) this.i += m[0].length;
    return { min, max };
  }

  /** One atom, or undefined for an empty `\Q\E`. */
  private atom(): Node | undefined {
    const c = this.p[this.i] as string;
    switch (c) {
      case "(":
        return this.group();
      case "[":
        return this.charClass();
      case ".":
        this.i++;
        return this.dotAll ? { k: "any" } : { k: "char", cls: "[^\\n]" };
      case "^":
        this.i++;
        return { k: "assert", a: this.multiLine ? "begin-line" : "begin-text" };
      case "$":
        this.i++;
        return { k: "assert", a: this.multiLine ? "end-line" : "end-text" };
      case "*":
      case "+":
      case "?":
        throw new RegexSyntaxError("missing argument to repetition operator");
      case "\\":
        return this.escape();
      default: {
        if (c === "{" && this.countedRepeat(false) !== undefined)
          throw new RegexSyntaxError("missing argument to repetition operator");
        const cp = this.p.codePointAt(this.i) as number;
        this.i += cp > 0xffff ? 2 : 1;
        return { k: "char", cls: literalClass(cp) };
      }
    }
  }

  private group(): Node {
    const rest = this.p.slice(this.i + 1, this.i + 4);
    let name: string | undefined;
    let capture = true;
    if (rest.startsWith("?")) {
      if (rest.startsWith("?:")) {
        capture = false;
        this.i += 3;
      } else if (rest.startsWith("?P<") || (rest.startsWith("?<") && !/^\?<[=!]/.test(rest))) {
        const open = this.i + (rest.startsWith("?P<") ? 4 : 3);
        const close = this.p.indexOf(">", open);
        name = close < 0 ? "" : this.p.slice(open, close);
        if (!/^[A-Za-z0-9_]+$/.test(name))
          throw new RegexSyntaxError(`invalid capture group name ${JSON.stringify(name)}`);
        if (this.names.includes(name)) throw new RegexSyntaxError(`duplicate capture group name ${name}`);
        this.i = close + 1;
      } else if (/^\?(?:[=!]|<[=!])/.test(rest)) {
        throw new RegexSyntaxError("lookaround is not supported");
      } else {
        throw new RegexSyntaxError("inline flags are only supported at the start of the pattern");
      }
    } else {
      this.i++;
    }
    let index = 0;
    if (capture) {
      this.names.push(name);
      index = this.names.length;
    }
    const node = this.alternation();
    if (this.p[this.i] !== ")") throw new RegexSyntaxError("missing closing )");
    this.i++;
    return capture ? { k: "group", index, name, node } : node;
  }

  private escape(): Node | undefined {
    const e = this.p[this.i + 1];
    if (e === undefined) throw new RegexSyntaxError("trailing backslash");
    switch (e) {
      case "A":
        this.i += 2;
        return { k: "assert", a: "begin-text" };
      case "z":
        this.i += 2;
        return { k: "assert", a: "end-text" };
      case "b":
        this.i += 2;
        return { k: "assert", a: "word" };
      case "B":
        this.i += 2;
        return { k: "assert", a: "not-word" };
      case "Q": {
        const end = this.p.indexOf("\\E", this.i + 2);
        const lit = end < 0 ? this.p.slice(this.i + 2) : this.p.slice(this.i + 2, end);
        this.i = end < 0 ? this.p.length : end + 2;
        const items: Node[] = [...lit].map((ch) => ({
          k: "char",
          cls: literalClass(ch.codePointAt(0) as number),
        }));
        if (items.length === 0) return undefined;
        return items.length === 1 ? (items[0] as Node) : { k: "cat", items };
      }
    }
    return { k: "char", cls: `[${this.classEscape()}]` };
  }

  /** An escape as class-body text (`0-9`, `\p{L}`, `\x41` …), outside or inside `[…]`; advances past it. */
  private classEscape(): string {
    const e = this.p[this.i + 1];
    if (e === undefined) throw new RegexSyntaxError("trailing backslash");
    if (e >= "1" && e <= "9") throw new RegexSyntaxError("backreferences are not supported");
    if ("dwsDWS".includes(e)) {
      this.i += 2;
      const body = PERL[e.toLowerCase()] as string;
      // A negated Perl class cannot nest inside a JS class, so its complement is spelled out as ranges.
      return e === e.toLowerCase() ? body : complementAscii(body);
    }
    if (e === "p" || e === "P") return this.property(e);
    if (e === "x") return this.hexEscape();
    if (e in CONTROL_ESCAPES) {
      this.i += 2;
      return CONTROL_ESCAPES[e] as string;
    }
    if (e === "0") {
      // RE2 reads \0 followed by up to two more octal digits as an octal escape.
      const m = /^\\(0[0-7]{0,2})/.exec(this.p.slice(this.i, this.i + 4)) as RegExpExecArray;
      this.i += m[0].length;
      return codePointEscape(Number.parseInt(m[1] as string, 8));
    }
    if (/[A-Za-z0-9]/.test(e)) throw new RegexSyntaxError(`invalid escape \\${e}`);
    const cp = this.p.codePointAt(this.i + 1) as number;
    this.i += cp > 0xffff ? 3 : 2;
    return codePointEscape(cp);
  }

  /**
   * The argument of the escape at the cursor (`\p{Greek}`, `\pL`, `\x{263a}`, `\x41`): braced, any length, or
   * `short` characters (fewer at the end of the pattern). The cursor moves past it.
   */
  private escapeArgument(letter: string, short: number): string {
    if (this.p[this.i + 2] === "{") {
      const end = this.p.indexOf("}", this.i + 3);
      if (end < 0) throw new RegexSyntaxError(`unterminated \\${letter}{`);
      const arg = this.p.slice(this.i + 3, end);
      this.i = end + 1;
      return arg;
    }
    const arg = this.p.slice(this.i + 2, this.i + 2 + short);
    this.i += 2 + short;
    return arg;
  }

  private property(e: string): string {
    let name = this.escapeArgument("p", 1);
    let neg = e === "P";
    if (name.startsWith("^")) {
      neg = !neg;
      name = name.slice(1);
    }
    if (!/^[A-Za-z_]+$/.test(name))
      throw new RegexSyntaxError(`invalid unicode class ${JSON.stringify(name)}`);
    const prop = GENERAL_CATEGORIES.has(name) || name === "Any" ? name : `Script=${name}`;
    const text = `\\${neg ? "P" : "p"}{${prop}}`;
    try {
      new RegExp(text, "u");
    } catch {
      throw new RegexSyntaxError(`invalid unicode class ${JSON.stringify(name)}`);
    }
    return text;
  }

  private hexEscape(): string {
    const braced = this.p[this.i + 2] === "{";
    let hex = this.escapeArgument("x", 2);
    if (!braced && hex.length !== 2) hex = "";
    const cp = /^[0-9A-Fa-f]{1,8}$/.test(hex) ? Number.parseInt(hex, 16) : Number.NaN;
    if (!(cp <= 0x10ffff)) throw new RegexSyntaxError(`invalid escape \\x${hex}`);
    return codePointEscape(cp);
  }

  private charClass(): Node {
    this.i++;
    let out = "[";
    if (this.p[this.i] === "^") {
      out += "^";
      this.i++;
    }
    let first = true;
    while (this.i < this.p.length && (this.p[this.i] !== "]" || first)) {
      first = false;
      const c = this.p[this.i] as string;
      if (c === "[" && this.p[this.i + 1] === ":") {
        const end = this.p.indexOf(":]", this.i + 2);
        const name = end < 0 ? "" : this.p.slice(this.i + 2, end);
        const neg = name.startsWith("^");
        const cls = POSIX[neg ? name.slice(1) : name];
        if (cls === undefined) throw new RegexSyntaxError(`unsupported character class [:${name}:]`);
        out += neg ? complementAscii(cls) : cls;
        this.i = end + 2;
        continue;
      }
      if (c === "\\") {
        out += this.classEscape();
        continue;
      }
      if (c === "-" && out !== "[" && out !== "[^" && this.p[this.i + 1] !== "]") {
        out += "-";
        this.i++;
        continue;
      }
      const cp = this.p.codePointAt(this.i) as number;
      this.i += cp > 0xffff ? 2 : 1;
      out += codePointEscape(cp);
    }
    if (this.p[this.i] !== "]") throw new RegexSyntaxError("missing closing ]");
    this.i++;
    const cls = `${out}]`;
    try {
      new RegExp(cls, "u");
    } catch (e) {
      throw new RegexSyntaxError(`invalid character class: ${(e as Error).message}`);
    }
    return { k: "char", cls };
  }
}

/** A code point as JS class text that means exactly that character in u mode. */
function codePointEscape(cp: number): string {
  if ((cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a)) {
    return String.fromCharCode(cp);
  }
  return `\\u{${cp.toString(16)}}`;
}

function literalClass(cp: number): string {
  return `[${codePointEscape(cp)}]`;
}

/** The complement of an ASCII class body (ranges like `0-9A-Za-z_`) within all code points, as class text. */
function complementAscii(body: string): string {
  const inSet = new Uint8Array(128);
  const re = new RegExp(`[${body}]`, "u");
  for (let c = 0; c < 128; c++) inSet[c] = re.test(String.fromCharCode(c)) ? 1 : 0;
  let out = "";
  for (let c = 0; c < 128; ) {
    if (inSet[c]) {
      c++;
      continue;
    }
    let d = c;
    while (d + 1 < 128 && !inSet[d + 1]) d++;
    out += d === c ? `\\x${hex2(c)}` : `\\x${hex2(c)}-\\x${hex2(d)}`;
    c = d + 1;
  }
  return `${out}\\u{80}-\\u{10ffff}`;
}

function hex2(c: number): string {
  return c.toString(16).padStart(2, "0");
}
