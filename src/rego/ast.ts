// Rego syntax tree: modules, rules, body expressions and terms, each with its source location.

import type { SourceLocation } from "./errors.ts";
import type { RegoValue } from "./value.ts";

export type Scalar = null | boolean | number | string;

export type Term =
  | { readonly type: "scalar"; readonly value: Scalar; readonly loc: SourceLocation }
  /** A JSON object or array literal read whole with JSON.parse (a `name := {…}` rule; lexer.ts). */
  | { readonly type: "value"; readonly value: RegoValue; readonly loc: SourceLocation }
  | { readonly type: "var"; readonly name: string; readonly loc: SourceLocation }
  | {
      readonly type: "ref";
      readonly head: Term;
      readonly path: readonly Term[];
      readonly loc: SourceLocation;
    }
  | { readonly type: "array"; readonly items: readonly Term[]; readonly loc: SourceLocation }
  | { readonly type: "set"; readonly items: readonly Term[]; readonly loc: SourceLocation }
  | { readonly type: "object"; readonly entries: readonly ObjectEntry[]; readonly loc: SourceLocation }
  | {
      readonly type: "arraycomp";
      readonly term: Term;
      readonly body: readonly Expr[];
      readonly loc: SourceLocation;
    }
  | {
      readonly type: "setcomp";
      readonly term: Term;
      readonly body: readonly Expr[];
      readonly loc: SourceLocation;
    }
  | {
      readonly type: "objectcomp";
      readonly key: Term;
      readonly value: Term;
      readonly body: readonly Expr[];
      readonly loc: SourceLocation;
    }
  | CallTerm;

/** A call of a builtin or user function; infix operators are calls too (`op` keeps the symbol). */
export interface CallTerm {
  readonly type: "call";
  /** Dotted name: `count`, `regex.match`, `data.lib.f`, or an operator builtin such as `equal`. */
  readonly name: string;
  readonly args: readonly Term[];
  readonly op?: string;
  readonly loc: SourceLocation;
}

export interface ObjectEntry {
  readonly key: Term;
  readonly value: Term;
}

export type Expr =
  | { readonly type: "term"; readonly term: Term; readonly loc: SourceLocation }
  | { readonly type: "unify"; readonly left: Term; readonly right: Term; readonly loc: SourceLocation }
  | { readonly type: "assign"; readonly left: Term; readonly right: Term; readonly loc: SourceLocation }
  | { readonly type: "not"; readonly expr: Expr; readonly loc: SourceLocation }
  | { readonly type: "some"; readonly vars: readonly Term[]; readonly loc: SourceLocation }
  | {
      readonly type: "somein";
      readonly key: Term | undefined;
      readonly value: Term;
      readonly coll: Term;
      readonly loc: SourceLocation;
    }
  | {
      readonly type: "every";
      readonly key: Term | undefined;
      readonly value: Term;
      readonly coll: Term;
      readonly body: readonly Expr[];
      readonly loc: SourceLocation;
    };

export type RuleKind = "complete" | "set" | "object" | "function";

/** One `else` branch: value (absent = true) and body (empty = always true). */
export interface ElseBranch {
  readonly value: Term | undefined;
  readonly body: readonly Expr[];
  readonly else: ElseBranch | undefined;
  readonly loc: SourceLocation;
}

export interface Rule {
  readonly name: string;
  readonly kind: RuleKind;
  readonly isDefault: boolean;
  /** Function parameters (patterns). */
  readonly args: readonly Term[] | undefined;
  /** Partial rule key (`p[k]`, `p contains k`). */
  readonly key: Term | undefined;
  /** Head value; absent means `true`. */
  readonly value: Term | undefined;
  readonly body: readonly Expr[];
  readonly else: ElseBranch | undefined;
  readonly loc: SourceLocation;
}

export interface Import {
  /** Dotted path, e.g. `data.lib.util` or `future.keywords.in`. */
  readonly path: readonly string[];
  readonly alias: string | undefined;
  readonly loc: SourceLocation;
}

export interface Module {
  readonly file: string;
  readonly text: string;
  readonly pkg: readonly string[];
  readonly imports: readonly Import[];
  readonly rules: readonly Rule[];
}
