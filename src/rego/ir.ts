// Compiled form of a policy: variables resolved to frame slots, names resolved to rules and builtins.

import type { Builtin } from "./builtins/registry.ts";
import type { SourceLocation } from "./errors.ts";
import type { RegoValue } from "./value.ts";

export type IRTerm =
  | { readonly t: "const"; readonly v: RegoValue; readonly loc: SourceLocation }
  | { readonly t: "local"; readonly slot: number; readonly name: string; readonly loc: SourceLocation }
  | { readonly t: "input"; readonly loc: SourceLocation }
  | { readonly t: "data"; readonly loc: SourceLocation }
  | { readonly t: "rule"; readonly rs: RuleSet; readonly loc: SourceLocation }
  | {
      readonly t: "ref";
      readonly head: IRTerm;
      readonly path: readonly IRTerm[];
      readonly loc: SourceLocation;
    }
  | { readonly t: "array"; readonly items: readonly IRTerm[]; readonly loc: SourceLocation }
  | { readonly t: "set"; readonly items: readonly IRTerm[]; readonly loc: SourceLocation }
  | {
      readonly t: "object";
      readonly keys: readonly IRTerm[];
      readonly values: readonly IRTerm[];
      readonly loc: SourceLocation;
    }
  | IRComprehension
  | IRCall;

export interface IRComprehension {
  readonly t: "arraycomp" | "setcomp" | "objectcomp";
  /** Element term (array/set) or key term (object). */
  readonly term: IRTerm;
  /** Value term of an object comprehension. */
  readonly value: IRTerm | undefined;
  body: IRExpr[];
  /** Slots of enclosing scopes used inside: they must be bound before the comprehension runs. */
  readonly closure: readonly number[];
  readonly loc: SourceLocation;
}

export type Callee =
  | { readonly kind: "builtin"; readonly b: Builtin }
  | { readonly kind: "func"; readonly rs: RuleSet };

export interface IRCall {
  readonly t: "call";
  readonly fn: Callee;
  readonly args: readonly IRTerm[];
  /** Output argument (`count(x, n)` form), unified with the result. */
  readonly out: IRTerm | undefined;
  readonly name: string;
  readonly op: string | undefined;
  readonly loc: SourceLocation;
}

/** How a unification is evaluated, decided by the safety check for the chosen expression order. */
export type UnifyMode = "compare" | "bind-left" | "bind-right";

export type IRExpr =
  | { readonly e: "term"; readonly term: IRTerm; readonly loc: SourceLocation }
  | {
      readonly e: "unify";
      readonly a: IRTerm;
      readonly b: IRTerm;
      mode: UnifyMode;
      readonly loc: SourceLocation;
    }
  | { readonly e: "not"; body: IRExpr[]; readonly loc: SourceLocation }
  | {
      readonly e: "somein";
      readonly key: IRTerm | undefined;
      readonly value: IRTerm;
      readonly coll: IRTerm;
      readonly loc: SourceLocation;
    }
  | {
      readonly e: "every";
      readonly key: IRTerm | undefined;
      readonly value: IRTerm;
      readonly coll: IRTerm;
      body: IRExpr[];
      readonly closure: readonly number[];
      readonly loc: SourceLocation;
    };

/** One `else` branch; it shares the frame (and parameters) of its rule definition. */
export interface IRElse {
  readonly value: IRTerm;
  body: IRExpr[];
  readonly else: IRElse | undefined;
  readonly loc: SourceLocation;
}

/** One rule definition (one body with its head and else chain). */
export interface RuleDef {
  readonly params: readonly IRTerm[] | undefined;
  readonly key: IRTerm | undefined;
  readonly value: IRTerm;
  body: IRExpr[];
  readonly else: IRElse | undefined;
  /** Frame size: slots used by parameters, body, nested comprehensions and every bodies. */
  readonly nslots: number;
  readonly loc: SourceLocation;
}

export type RuleSetKind = "complete" | "set" | "object" | "function";

/** All definitions of one rule name in one package (several bodies = logical OR). */
export interface RuleSet {
  readonly name: string;
  /** Full path below data, e.g. ["agent_policy", "CreateContainerRequest"]. */
  readonly path: readonly string[];
  readonly kind: RuleSetKind;
  readonly arity: number;
  readonly defs: RuleDef[];
  defaultValue: RegoValue | undefined;
  /** Every definition yields the same constant, so the first success decides (no conflict possible). */
  constantValue: boolean;
  readonly deps: Set<RuleSet>;
  readonly loc: SourceLocation;
}

/** A package in the data tree: child packages and the rules defined directly in it. */
export interface PackageNode {
  readonly children: Map<string, PackageNode>;
  readonly rules: Map<string, RuleSet>;
}
