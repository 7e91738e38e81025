// Rego module parser: package, imports and rules (default, complete, partial set/object, functions, else).

import type { ElseBranch, Expr, Import, Module, Rule, RuleKind, Term } from "./ast.ts";
import { type SourceLocation, syntaxError } from "./errors.ts";
import { tokenize } from "./lexer.ts";
import { ExprParser } from "./parse-expr.ts";

/** Parses one policy file. Throws ParseError `rego_syntax` naming file:line:col. */
export function parseModule(file: string, text: string): Module {
  return new ModuleParser(file, text).parse();
}

class ModuleParser extends ExprParser {
  constructor(
    file: string,
    private readonly text: string,
  ) {
    super(tokenize(file, text), file);
  }

  parse(): Module {
    const pkg = this.parsePackage();
    const imports: Import[] = [];
    const rules: Rule[] = [];
    while (this.peek().kind !== "eof") {
      const t = this.peek();
      if (!t.nlBefore) throw this.unexpected(t, "expected newline before next statement");
      if (this.isWord("import")) imports.push(this.parseImport());
      else if (this.isWord("package")) throw syntaxError(t.loc, "only one package per file");
      else rules.push(this.parseRule());
    }
    return { file: this.file, text: this.text, pkg, imports, rules };
  }

  private parsePackage(): string[] {
    if (!this.isWord("package")) throw this.unexpected(this.peek(), `expected "package"`);
    this.next();
    return this.parseDottedPath("package name");
  }

  private parseDottedPath(what: string): string[] {
    const path = [this.expectIdent(what).value];
    while (this.isPunct(".") && !this.peek().spaceBefore) {
      this.next();
      const t = this.next();
      if (t.kind !== "ident" || t.spaceBefore) throw this.unexpected(t, `expected ${what}`);
      path.push(t.value);
    }
    return path;
  }

  private parseImport(): Import {
    const start = this.next().loc;
    const path = this.parseDottedPath("import path");
    const root = path[0];
    if (root !== "data" && root !== "input" && root !== "future" && root !== "rego") {
      throw syntaxError(
        start,
        `import path must begin with data, input, future or rego, got ${JSON.stringify(root)}`,
      );
    }
    let alias: string | undefined;
    if (this.isWord("as") && this.continues()) {
      this.next();
      alias = this.expectIdent("import alias").value;
    }
    return { path, alias, loc: this.span(start) };
  }

  private parseRule(): Rule {
    const start = this.peek().loc;
    const isDefault = this.isWord("default");
    if (isDefault) this.next();
    const name = this.expectIdent("rule name").value;
    if (this.isPunct(".") && !this.peek().spaceBefore)
      throw syntaxError(this.peek().loc, "rule names with dots are not supported");
    const args = this.isPunct("(") && !this.peek().spaceBefore ? this.parseParams() : undefined;
    let key: Term | undefined;
    let kind: RuleKind = args === undefined ? "complete" : "function";
    let viaContains = false;
    if (args === undefined && this.isPunct("[") && !this.peek().spaceBefore) {
      this.next();
      key = this.withNewlines(false, () => this.parseTermIn());
      this.expectPunct("]");
      kind = "set";
    } else if (args === undefined && this.isWord("contains") && this.continues()) {
      this.next();
      key = this.parseTermIn();
      kind = "set";
      viaContains = true;
    }
    let value: Term | undefined;
    if ((this.isPunct(":=") || this.isPunct("=")) && this.continues()) {
      if (viaContains) throw syntaxError(this.peek().loc, "contains rules take no value");
      this.next();
      value = this.parseTermIn();
      if (kind === "set") kind = "object";
    }
    if (isDefault) return this.finishDefault(name, kind, args, value, start);
    const body = this.parseRuleBody();
    if (value === undefined && body === undefined && kind === "complete") {
      throw syntaxError(start, `rule ${JSON.stringify(name)} needs a value or a body`);
    }
    const elseBranch = this.isWord("else") ? this.parseElse(kind) : undefined;
    return {
      name,
      kind,
      isDefault,
      args,
      key,
      value,
      body: body ?? [],
      else: elseBranch,
      loc: this.span(start),
    };
  }

  private finishDefault(
    name: string,
    kind: RuleKind,
    args: readonly Term[] | undefined,
    value: Term | undefined,
    start: SourceLocation,
  ): Rule {
    if (kind !== "complete" && kind !== "function")
      throw syntaxError(start, "default rules must be complete rules or functions");
    if (value === undefined) throw syntaxError(start, `default rule ${JSON.stringify(name)} needs a value`);
    return {
      name,
      kind,
      isDefault: true,
      args,
      key: undefined,
      value,
      body: [],
      else: undefined,
      loc: this.span(start),
    };
  }

  private parseParams(): Term[] {
    this.expectPunct("(");
    return this.withNewlines(false, () => {
      const items: Term[] = [];
      while (!this.isPunct(")")) {
        items.push(this.parseTermIn());
        if (!this.isPunct(")")) this.expectPunct(",");
      }
      this.expectPunct(")");
      return items;
    });
  }

  /** `if { … }`, `if literal`, `{ … }`, or nothing (undefined). */
  private parseRuleBody(): Expr[] | undefined {
    if (this.isWord("if")) {
      this.next();
      // OPA reads `if {` as the start of a body, never as an object literal.
      if (this.isPunct("{")) return this.parseBraceBody(false);
      return [this.parseLiteral()];
    }
    if (this.isPunct("{")) return this.parseBraceBody(false);
    return undefined;
  }

  private parseElse(kind: RuleKind): ElseBranch {
    const start = this.next().loc;
    if (kind !== "complete" && kind !== "function")
      throw syntaxError(start, "else is only allowed on complete rules and functions");
    let value: Term | undefined;
    if (this.isPunct(":=") || this.isPunct("=")) {
      this.next();
      value = this.parseTermIn();
    }
    const body = this.parseRuleBody() ?? [];
    const next = this.isWord("else") ? this.parseElse(kind) : undefined;
    return { value, body, else: next, loc: this.span(start) };
  }
}
