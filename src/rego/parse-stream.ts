// Token cursor shared by the Rego parsers: lookahead, expectations, newline significance, nesting guard.

import { type SourceLocation, syntaxError } from "./errors.ts";
import type { Token } from "./lexer.ts";

/** Words that can never be variable or rule names. */
export const KEYWORDS = new Set([
  "package",
  "import",
  "default",
  "not",
  "some",
  "every",
  "in",
  "if",
  "else",
  "with",
  "as",
  "contains",
  "true",
  "false",
  "null",
]);

const MAX_DEPTH = 200;

export class TokenStream {
  protected pos = 0;
  private depth = 0;
  /** Stack of "newline ends the current expression" flags: true in bodies, false inside brackets. */
  private readonly nlStack: boolean[] = [true];

  constructor(
    protected readonly toks: readonly Token[],
    protected readonly file: string,
  ) {}

  protected peek(offset = 0): Token {
    return this.toks[Math.min(this.pos + offset, this.toks.length - 1)] as Token;
  }

  protected next(): Token {
    const t = this.peek();
    if (this.pos < this.toks.length - 1) this.pos++;
    return t;
  }

  protected prev(): Token {
    return this.toks[Math.max(this.pos - 1, 0)] as Token;
  }

  protected isPunct(v: string, t: Token = this.peek()): boolean {
    return t.kind === "punct" && t.value === v;
  }

  protected isWord(v: string, t: Token = this.peek()): boolean {
    return t.kind === "ident" && t.value === v;
  }

  protected expectPunct(v: string): Token {
    const t = this.peek();
    if (!this.isPunct(v, t)) throw this.unexpected(t, `expected "${v}"`);
    return this.next();
  }

  protected expectIdent(what: string): Token {
    const t = this.peek();
    if (t.kind !== "ident" || KEYWORDS.has(t.value)) throw this.unexpected(t, `expected ${what}`);
    return this.next();
  }

  protected unexpected(t: Token, expected: string): Error {
    const got = t.kind === "eof" ? "end of file" : t.kind === "string" ? "string" : JSON.stringify(t.value);
    return syntaxError(t.loc, `${expected}, got ${got}`);
  }

  /** True when `t` may continue the expression before it (no significant newline in between). */
  protected continues(t: Token = this.peek()): boolean {
    return !(t.nlBefore && this.nlStack[this.nlStack.length - 1]);
  }

  protected withNewlines<T>(significant: boolean, f: () => T): T {
    this.nlStack.push(significant);
    try {
      return f();
    } finally {
      this.nlStack.pop();
    }
  }

  /** Guards recursion so deeply nested input fails with a syntax error instead of a stack overflow. */
  protected nested<T>(f: () => T): T {
    if (++this.depth > MAX_DEPTH) {
      this.depth--;
      throw syntaxError(this.peek().loc, `nesting deeper than ${MAX_DEPTH} levels`);
    }
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  /** Location from `start` to the end of the last consumed token. */
  protected span(start: SourceLocation): SourceLocation {
    const end = this.prev().loc.end;
    return {
      file: start.file,
      line: start.line,
      col: start.col,
      start: start.start,
      end: Math.max(end, start.end),
    };
  }
}
