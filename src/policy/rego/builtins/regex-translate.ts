// Translates a Rust-regex/RE2 pattern to an equivalent JavaScript RegExp (u flag), rejecting what RE2 lacks.
//
// Differences handled (spec policy.md §4): leading inline flags `(?i)` `(?s)` `(?m)`; `(?P<n>…)` names;
// `\A` `\z`; `\Q…\E`; `\pL` one-letter classes and script names; `[[:alpha:]]` POSIX classes; `.` not
// matching `\n` only; ASCII `\s`; escaped punctuation that JS's u mode rejects; `{` that is not a
// repetition is literal. Lookaround and backreferences are errors, as in RE2.

const SYNTAX = new Set(["^", "$", "\\", ".", "*", "+", "?", "(", ")", "[", "]", "{", "}", "|", "/"]);
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

export class RegexSyntaxError extends Error {}

export interface TranslatedRegex {
  readonly source: string;
  readonly flags: string;
}

/** Translates `pattern`; throws RegexSyntaxError for constructs RE2 does not support. */
export function translateRegex(pattern: string): TranslatedRegex {
  let flags = "u";
  let i = 0;
  const lead = /^\(\?([imsU]+)\)/.exec(pattern);
  if (lead !== null) {
    for (const f of lead[1] as string) {
      if (f === "U") throw new RegexSyntaxError("ungreedy flag is not supported");
      if (!flags.includes(f)) flags += f;
    }
    i = lead[0].length;
  }
  const dotAll = flags.includes("s");
  let out = "";
  let inClass = false;
  while (i < pattern.length) {
    const c = pattern[i] as string;
    if (c === "\\") {
      const r = translateEscape(pattern, i, inClass);
      out += r.text;
      i = r.next;
      continue;
    }
    if (inClass) {
      if (c === "[" && pattern[i + 1] === ":") {
        const end = pattern.indexOf(":]", i + 2);
        const name = end < 0 ? "" : pattern.slice(i + 2, end);
        const neg = name.startsWith("^");
        const cls = POSIX[neg ? name.slice(1) : name];
        if (cls === undefined || neg) throw new RegexSyntaxError(`unsupported character class [:${name}:]`);
        out += cls;
        i = end + 2;
        continue;
      }
      if (c === "]") inClass = false;
      out += c === "[" ? "\\[" : c;
      i++;
      continue;
    }
    if (c === "[") {
      inClass = true;
      out += c;
      i++;
      if (pattern[i] === "^") {
        out += "^";
        i++;
      }
      if (pattern[i] === "]") {
        out += "\\]";
        i++;
      }
      continue;
    }
    if (c === "(") {
      const r = translateGroup(pattern, i);
      out += r.text;
      i = r.next;
      continue;
    }
    if (c === "{") {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
      if (m === null) {
        out += "\\{";
        i++;
      } else {
        out += m[0];
        i += m[0].length;
      }
      continue;
    }
    if (c === "}") out += "\\}";
    else if (c === "." && !dotAll) out += "[^\\n]";
    else out += c;
    i++;
  }
  if (inClass) throw new RegexSyntaxError("missing closing ]");
  return { source: out, flags };
}

function translateGroup(p: string, i: number): { text: string; next: number } {
  if (p[i + 1] !== "?") return { text: "(", next: i + 1 };
  const rest = p.slice(i + 2);
  if (rest.startsWith(":")) return { text: "(?:", next: i + 3 };
  if (rest.startsWith("P<")) return { text: "(?<", next: i + 4 };
  if (rest.startsWith("<") && !rest.startsWith("<=") && !rest.startsWith("<!"))
    return { text: "(?<", next: i + 3 };
  if (/^[=!]|^<[=!]/.test(rest)) throw new RegexSyntaxError("lookaround is not supported");
  throw new RegexSyntaxError("inline flags are only supported at the start of the pattern");
}

function translateEscape(p: string, i: number, inClass: boolean): { text: string; next: number } {
  const e = p[i + 1];
  if (e === undefined) throw new RegexSyntaxError("trailing backslash");
  if (e >= "1" && e <= "9") throw new RegexSyntaxError("backreferences are not supported");
  switch (e) {
    case "A":
      if (inClass) break;
      return { text: "^", next: i + 2 };
    case "z":
      if (inClass) break;
      return { text: "$", next: i + 2 };
    case "Q": {
      const end = p.indexOf("\\E", i + 2);
      const lit = end < 0 ? p.slice(i + 2) : p.slice(i + 2, end);
      return { text: escapeLiteral(lit), next: end < 0 ? p.length : end + 2 };
    }
    case "s":
      return { text: inClass ? "\\t\\n\\f\\r " : "[\\t\\n\\f\\r ]", next: i + 2 };
    case "S":
      return { text: inClass ? "\\S" : "[^\\t\\n\\f\\r ]", next: i + 2 };
    case "p":
    case "P":
      return translateProperty(p, i, e);
    case "x":
      if (p[i + 2] === "{") {
        const end = p.indexOf("}", i + 3);
        if (end < 0) throw new RegexSyntaxError("unterminated \\x{");
        return { text: `\\u{${p.slice(i + 3, end)}}`, next: end + 1 };
      }
      return { text: `\\x${p.slice(i + 2, i + 4)}`, next: i + 4 };
    case "a":
      return { text: "\\x07", next: i + 2 };
    case "C":
    case "Z":
      throw new RegexSyntaxError(`\\${e} is not supported`);
  }
  if (/[a-zA-Z0-9]/.test(e)) return { text: `\\${e}`, next: i + 2 };
  if (SYNTAX.has(e) || (inClass && e === "-")) return { text: `\\${e}`, next: i + 2 };
  return { text: e, next: i + 2 };
}

function translateProperty(p: string, i: number, e: string): { text: string; next: number } {
  let name: string;
  let next: number;
  if (p[i + 2] === "{") {
    const end = p.indexOf("}", i + 3);
    if (end < 0) throw new RegexSyntaxError("unterminated \\p{");
    name = p.slice(i + 3, end);
    next = end + 1;
  } else {
    name = p[i + 2] ?? "";
    next = i + 3;
  }
  let neg = e === "P";
  if (name.startsWith("^")) {
    neg = !neg;
    name = name.slice(1);
  }
  if (!/^[A-Za-z_]+$/.test(name)) throw new RegexSyntaxError(`invalid unicode class ${JSON.stringify(name)}`);
  const prop = GENERAL_CATEGORIES.has(name) || name === "Any" ? name : `Script=${name}`;
  return { text: `\\${neg ? "P" : "p"}{${prop}}`, next };
}

function escapeLiteral(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/-]/g, (c) => (c === "-" ? "\\x2d" : `\\${c}`));
}
