// Rego expression parser: body literals, operators by precedence, refs, calls, collections, comprehensions.

import type { CallTerm, Expr, ObjectEntry, Term } from "./ast.ts";
import { type SourceLocation, syntaxError } from "./errors.ts";
import { KEYWORDS, TokenStream } from "./parse-stream.ts";

/** Infix operators by precedence level (lowest first after `in`), mapped to their builtin names. */
const RELATION: Record<string, string> = {
  "==": "equal",
  "!=": "neq",
  "<": "lt",
  "<=": "lte",
  ">": "gt",
  ">=": "gte",
};
const ARITH: Record<string, string> = { "+": "plus", "-": "minus" };
const FACTOR: Record<string, string> = { "*": "mul", "/": "div", "%": "rem" };

export class ExprParser extends TokenStream {
  /** While set, `|` ends a term (first term of a collection that may be a comprehension). */
  private noOr = false;

  /** `{ literal (; | newline) … }` */
  protected parseBraceBody(allowEmpty: boolean): Expr[] {
    const open = this.expectPunct("{");
    const body = this.withNewlines(true, () => this.parseLiterals("}"));
    this.expectPunct("}");
    if (body.length === 0 && !allowEmpty) throw syntaxError(open.loc, "found empty body");
    return body;
  }

  /** Literals up to (not including) the closing punctuation `close`. */
  protected parseLiterals(close: string): Expr[] {
    const out: Expr[] = [];
    while (!this.isPunct(close)) {
      if (this.peek().kind === "eof") throw this.unexpected(this.peek(), `expected "${close}"`);
      out.push(this.parseLiteral());
      const t = this.peek();
      if (this.isPunct(";")) this.next();
      else if (!this.isPunct(close) && !t.nlBefore) throw this.unexpected(t, "expected newline or ;");
    }
    return out;
  }

  protected parseLiteral(): Expr {
    return this.nested(() => {
      const t = this.peek();
      if (this.isWord("not")) {
        this.next();
        const expr = this.parseLiteral();
        if (expr.type === "some" || expr.type === "somein" || expr.type === "every" || expr.type === "not") {
          throw syntaxError(
            expr.loc,
            `"not" cannot be applied to ${expr.type === "not" ? "not" : expr.type}`,
          );
        }
        return { type: "not", expr, loc: this.span(t.loc) };
      }
      if (this.isWord("some")) return this.parseSome();
      if (this.isWord("every")) return this.parseEvery();
      const left = this.parseTermIn();
      let expr: Expr;
      if ((this.isPunct("=") || this.isPunct(":=")) && this.continues()) {
        const op = this.next().value;
        const right = this.parseTermIn();
        expr = { type: op === "=" ? "unify" : "assign", left, right, loc: this.span(t.loc) };
      } else {
        expr = { type: "term", term: left, loc: this.span(t.loc) };
      }
      if (this.isWord("with")) throw syntaxError(this.peek().loc, "the with keyword is not supported");
      return expr;
    });
  }

  private parseSome(): Expr {
    const start = this.next().loc;
    const terms = [this.parseRelation()];
    while (this.isPunct(",")) {
      this.next();
      terms.push(this.parseRelation());
    }
    if (this.isWord("in") && this.continues()) {
      this.next();
      if (terms.length > 2) throw syntaxError(start, "some … in takes one or two terms");
      const coll = this.parseRelation();
      const [a, b] = terms as [Term, Term | undefined];
      return b === undefined
        ? { type: "somein", key: undefined, value: a, coll, loc: this.span(start) }
        : { type: "somein", key: a, value: b, coll, loc: this.span(start) };
    }
    for (const v of terms) if (v.type !== "var") throw syntaxError(v.loc, "expected variable after some");
    return { type: "some", vars: terms, loc: this.span(start) };
  }

  private parseEvery(): Expr {
    const start = this.next().loc;
    const first = this.parseEveryVar();
    let second: Term | undefined;
    if (this.isPunct(",")) {
      this.next();
      second = this.parseEveryVar();
    }
    if (!this.isWord("in")) throw this.unexpected(this.peek(), `expected "in"`);
    this.next();
    const coll = this.parseRelation();
    const body = this.parseBraceBody(true);
    return second === undefined
      ? { type: "every", key: undefined, value: first, coll, body, loc: this.span(start) }
      : { type: "every", key: first, value: second, coll, body, loc: this.span(start) };
  }

  private parseEveryVar(): Term {
    const t = this.expectIdent("variable after every");
    return { type: "var", name: t.value, loc: t.loc };
  }

  /** `a in b` (lowest precedence). */
  protected parseTermIn(): Term {
    let left = this.parseRelation();
    while (this.isWord("in") && this.continues()) {
      this.next();
      const right = this.parseRelation();
      left = this.call("internal.member_2", [left, right], left.loc, "in");
    }
    return left;
  }

  protected parseRelation(): Term {
    return this.parseInfix(() => this.parseOr(), RELATION);
  }

  private parseOr(): Term {
    let left = this.parseAnd();
    while (!this.noOr && this.isPunct("|") && this.continues()) {
      this.next();
      left = this.call("or", [left, this.parseAnd()], left.loc, "|");
    }
    return left;
  }

  private parseAnd(): Term {
    let left = this.parseArith();
    while (this.isPunct("&") && this.continues()) {
      this.next();
      left = this.call("and", [left, this.parseArith()], left.loc, "&");
    }
    return left;
  }

  private parseArith(): Term {
    return this.parseInfix(() => this.parseFactor(), ARITH);
  }

  private parseFactor(): Term {
    return this.parseInfix(() => this.parseUnary(), FACTOR);
  }

  private parseInfix(operand: () => Term, ops: Record<string, string>): Term {
    let left = operand();
    for (;;) {
      const t = this.peek();
      const name = t.kind === "punct" ? ops[t.value] : undefined;
      if (name === undefined || !this.continues(t)) return left;
      this.next();
      left = this.call(name, [left, operand()], left.loc, t.value);
    }
  }

  private call(name: string, args: Term[], start: SourceLocation, op?: string): CallTerm {
    const loc = this.span(start);
    return op === undefined ? { type: "call", name, args, loc } : { type: "call", name, args, op, loc };
  }

  private parseUnary(): Term {
    if (!this.isPunct("-")) return this.parseTerm();
    const minus = this.next();
    const t = this.peek();
    if (t.kind === "number" && !t.spaceBefore) {
      this.next();
      return { type: "scalar", value: -this.numberValue(t.value, t.loc), loc: this.span(minus.loc) };
    }
    const operand = this.parseTerm();
    return this.call("minus", [{ type: "scalar", value: 0, loc: minus.loc }, operand], minus.loc, "-");
  }

  private numberValue(text: string, loc: SourceLocation): number {
    const n = Number(text);
    if (!Number.isFinite(n)) throw syntaxError(loc, `number out of range: ${text}`);
    return n;
  }

  /** A primary term followed by ref suffixes (`.x`, `[t]`) and call parentheses. */
  protected parseTerm(): Term {
    return this.nested(() => {
      const saved = this.noOr;
      this.noOr = false;
      try {
        return this.parseSuffixes(this.parsePrimary());
      } finally {
        this.noOr = saved;
      }
    });
  }

  private parsePrimary(): Term {
    const t = this.peek();
    switch (t.kind) {
      case "number":
        this.next();
        return { type: "scalar", value: this.numberValue(t.value, t.loc), loc: t.loc };
      case "string":
        this.next();
        return { type: "scalar", value: t.value, loc: t.loc };
      case "json":
        this.next();
        return { type: "value", value: t.json ?? null, loc: t.loc };
      case "ident":
        return this.parseIdentTerm();
      case "punct":
        if (t.value === "[") return this.parseArray();
        if (t.value === "{") return this.parseBraces();
        if (t.value === "(") {
          this.next();
          const inner = this.withNewlines(false, () => this.parseTermIn());
          this.expectPunct(")");
          return inner;
        }
    }
    throw this.unexpected(t, "expected term");
  }

  private parseIdentTerm(): Term {
    const t = this.next();
    if (t.value === "true" || t.value === "false")
      return { type: "scalar", value: t.value === "true", loc: t.loc };
    if (t.value === "null") return { type: "scalar", value: null, loc: t.loc };
    if (
      t.value === "set" &&
      this.isPunct("(") &&
      !this.peek().spaceBefore &&
      this.isPunct(")", this.peek(1))
    ) {
      this.next();
      this.next();
      return { type: "set", items: [], loc: this.span(t.loc) };
    }
    const callable = t.value === "contains" && this.isPunct("(");
    if (KEYWORDS.has(t.value) && !callable) throw this.unexpected(t, "expected term");
    return { type: "var", name: t.value, loc: t.loc };
  }

  private parseSuffixes(term: Term): Term {
    const path: Term[] = [];
    let head = term;
    let dotted = term.type === "var";
    for (;;) {
      const t = this.peek();
      if (this.isPunct(".") && !t.spaceBefore && head.type !== "scalar") {
        this.next();
        const id = this.peek();
        if (id.kind !== "ident" || id.spaceBefore) throw this.unexpected(id, "expected name after .");
        this.next();
        path.push({ type: "scalar", value: id.value, loc: id.loc });
      } else if (this.isPunct("[") && !t.spaceBefore && head.type !== "scalar") {
        this.next();
        path.push(this.withNewlines(false, () => this.parseTermIn()));
        this.expectPunct("]");
        dotted = false;
      } else if (this.isPunct("(") && dotted && this.continues(t)) {
        head = this.parseCall(head, path);
        path.length = 0;
        dotted = false;
      } else {
        break;
      }
    }
    return path.length === 0 ? head : { type: "ref", head, path: [...path], loc: this.span(head.loc) };
  }

  private parseCall(head: Term, path: readonly Term[]): Term {
    const parts = [head.type === "var" ? head.name : ""];
    for (const p of path) parts.push(String(p.type === "scalar" ? p.value : ""));
    this.expectPunct("(");
    const args = this.withNewlines(false, () => this.parseList(")"));
    return { type: "call", name: parts.join("."), args, loc: this.span(head.loc) };
  }

  /** Comma-separated terms up to `close` (trailing comma allowed); consumes `close`. */
  private parseList(close: string, first?: Term): Term[] {
    const items: Term[] = first === undefined ? [] : [first];
    if (first !== undefined && !this.isPunct(close)) this.expectPunct(",");
    while (!this.isPunct(close)) {
      items.push(this.parseTermIn());
      if (!this.isPunct(close)) this.expectPunct(",");
    }
    this.expectPunct(close);
    return items;
  }

  private parseArray(): Term {
    const start = this.next().loc;
    return this.withNewlines(false, () => {
      if (this.isPunct("]")) {
        this.next();
        return { type: "array", items: [], loc: this.span(start) };
      }
      const first = this.parseHeadTerm();
      if (this.isPunct("|")) {
        const body = this.parseComprehensionBody("]");
        return { type: "arraycomp", term: first, body, loc: this.span(start) };
      }
      return { type: "array", items: this.parseList("]", first), loc: this.span(start) };
    });
  }

  private parseBraces(): Term {
    const start = this.next().loc;
    return this.withNewlines(false, () => {
      if (this.isPunct("}")) {
        this.next();
        return { type: "object", entries: [], loc: this.span(start) };
      }
      const first = this.parseHeadTerm();
      if (this.isPunct("|")) {
        const body = this.parseComprehensionBody("}");
        return { type: "setcomp", term: first, body, loc: this.span(start) };
      }
      if (!this.isPunct(":"))
        return { type: "set", items: this.parseList("}", first), loc: this.span(start) };
      this.next();
      const value = this.parseHeadTerm();
      if (this.isPunct("|")) {
        const body = this.parseComprehensionBody("}");
        return { type: "objectcomp", key: first, value, body, loc: this.span(start) };
      }
      return { type: "object", entries: this.parseEntries({ key: first, value }), loc: this.span(start) };
    });
  }

  private parseEntries(first: ObjectEntry): ObjectEntry[] {
    const entries = [first];
    if (!this.isPunct("}")) this.expectPunct(",");
    while (!this.isPunct("}")) {
      const key = this.parseTermIn();
      this.expectPunct(":");
      entries.push({ key, value: this.parseTermIn() });
      if (!this.isPunct("}")) this.expectPunct(",");
    }
    this.expectPunct("}");
    return entries;
  }

  /** First term of a collection: `|` there starts a comprehension body, not a set union. */
  private parseHeadTerm(): Term {
    const saved = this.noOr;
    this.noOr = true;
    try {
      return this.parseTermIn();
    } finally {
      this.noOr = saved;
    }
  }

  private parseComprehensionBody(close: string): Expr[] {
    const bar = this.expectPunct("|");
    const body = this.withNewlines(true, () => this.parseLiterals(close));
    this.expectPunct(close);
    if (body.length === 0) throw syntaxError(bar.loc, "found empty comprehension body");
    return body;
  }
}
