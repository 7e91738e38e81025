// Name resolution: AST → IR with variables in frame slots and names bound to rules, imports and builtins.

import type { Expr, Module, Term } from "./ast.ts";
import { lookupBuiltin } from "./builtins/registry.ts";
import { FrameAlloc, Scope } from "./compile-scope.ts";
import { compileError, type SourceLocation } from "./errors.ts";
import type { IRExpr, IRTerm, PackageNode, RuleSet } from "./ir.ts";
import { newObject, RegoSet, type RegoValue } from "./value.ts";

export { FrameAlloc, Scope };

export class Resolver {
  private readonly aliases = new Map<string, readonly string[]>();
  private readonly pkg: PackageNode;
  /** Rule being compiled: rules it references are recorded as dependencies. */
  current: RuleSet | undefined;

  constructor(
    private readonly root: PackageNode,
    module: Module,
  ) {
    let node = root;
    for (const p of module.pkg) node = node.children.get(p) as PackageNode;
    this.pkg = node;
    for (const imp of module.imports) {
      const head = imp.path[0];
      if (head !== "data" && head !== "input") continue;
      const alias = imp.alias ?? (imp.path[imp.path.length - 1] as string);
      this.aliases.set(alias, imp.path);
    }
  }

  /** Two passes: declare the body's own variables in textual order, then resolve every expression. */
  resolveBody(body: readonly Expr[], scope: Scope): IRExpr[] {
    for (const e of body) this.declareExpr(e, scope);
    return body.flatMap((e) => this.resolveExpr(e, scope));
  }

  private isGlobal(name: string): boolean {
    return name === "input" || name === "data" || this.aliases.has(name) || this.pkg.rules.has(name);
  }

  private declareImplicit(t: Term, scope: Scope): void {
    this.surfaceVars(t, (name, loc) => {
      if (name !== "_" && scope.lookup(name) === undefined && !this.isGlobal(name)) scope.declare(name, loc);
    });
  }

  /** Declares the variables of an `:=`/`some … in` pattern as new locals of this scope. */
  declarePattern(t: Term, scope: Scope): void {
    this.surfaceVars(t, (name, loc) => {
      if (name === "_") return;
      if (scope.declaresHere(name))
        throw compileError("rego_var_redeclared", loc, `var ${name} declared above`);
      scope.declare(name, loc);
    });
  }

  private declareExpr(e: Expr, scope: Scope): void {
    switch (e.type) {
      case "term":
        this.declareImplicit(e.term, scope);
        return;
      case "unify":
        this.declareImplicit(e.left, scope);
        this.declareImplicit(e.right, scope);
        return;
      case "assign":
        this.declareImplicit(e.right, scope);
        this.declarePattern(e.left, scope);
        return;
      case "not":
        this.declareExpr(e.expr, scope);
        return;
      case "some":
        for (const v of e.vars) this.declarePattern(v, scope);
        return;
      case "somein":
        this.declareImplicit(e.coll, scope);
        if (e.key !== undefined) this.declarePattern(e.key, scope);
        this.declarePattern(e.value, scope);
        return;
      case "every":
        this.declareImplicit(e.coll, scope);
        return;
    }
  }

  /** Variables of a term outside nested bodies. */
  private surfaceVars(t: Term, f: (name: string, loc: SourceLocation) => void): void {
    switch (t.type) {
      case "var":
        f(t.name, t.loc);
        return;
      case "ref":
        this.surfaceVars(t.head, f);
        for (const p of t.path) this.surfaceVars(p, f);
        return;
      case "array":
      case "set":
        for (const x of t.items) this.surfaceVars(x, f);
        return;
      case "object":
        for (const x of t.entries) {
          this.surfaceVars(x.key, f);
          this.surfaceVars(x.value, f);
        }
        return;
      case "call":
        for (const x of t.args) this.surfaceVars(x, f);
        return;
    }
  }

  private resolveExpr(e: Expr, scope: Scope): IRExpr[] {
    switch (e.type) {
      case "term":
        return [{ e: "term", term: this.resolveTerm(e.term, scope), loc: e.loc }];
      case "unify":
      case "assign":
        return this.splitUnify(this.resolveTerm(e.left, scope), this.resolveTerm(e.right, scope), e.loc);
      case "not":
        return [{ e: "not", body: this.resolveExpr(e.expr, scope), loc: e.loc }];
      case "some":
        return [];
      case "somein":
        return [
          {
            e: "somein",
            key: e.key === undefined ? undefined : this.resolveTerm(e.key, scope),
            value: this.resolveTerm(e.value, scope),
            coll: this.resolveTerm(e.coll, scope),
            loc: e.loc,
          },
        ];
      case "every": {
        const coll = this.resolveTerm(e.coll, scope);
        const inner = new Scope(scope.frame, scope);
        if (e.key !== undefined) this.declarePattern(e.key, inner);
        this.declarePattern(e.value, inner);
        const key = e.key === undefined ? undefined : this.resolveTerm(e.key, inner);
        const value = this.resolveTerm(e.value, inner);
        const body = this.resolveBody(e.body, inner);
        return [{ e: "every", key, value, coll, body, closure: [...inner.closure], loc: e.loc }];
      }
    }
  }

  /** `[a, b] = [c, d]` becomes `a = c; b = d` so each side may bind the other. */
  private splitUnify(a: IRTerm, b: IRTerm, loc: SourceLocation): IRExpr[] {
    if (a.t === "array" && b.t === "array" && a.items.length === b.items.length) {
      return a.items.flatMap((x, i) => this.splitUnify(x, b.items[i] as IRTerm, loc));
    }
    return [{ e: "unify", a, b, mode: "compare", loc }];
  }

  resolveTerm(t: Term, scope: Scope): IRTerm {
    switch (t.type) {
      case "scalar":
      case "value":
        return { t: "const", v: t.value, loc: t.loc };
      case "var":
        return this.resolveVar(t.name, t.loc, scope);
      case "ref":
        return this.staticRef(
          this.resolveTerm(t.head, scope),
          t.path.map((p) => this.resolveTerm(p, scope)),
          t.loc,
        );
      case "array":
        return this.fold({ t: "array", items: t.items.map((x) => this.resolveTerm(x, scope)), loc: t.loc });
      case "set":
        return this.fold({ t: "set", items: t.items.map((x) => this.resolveTerm(x, scope)), loc: t.loc });
      case "object":
        return this.fold({
          t: "object",
          keys: t.entries.map((x) => this.resolveTerm(x.key, scope)),
          values: t.entries.map((x) => this.resolveTerm(x.value, scope)),
          loc: t.loc,
        });
      case "arraycomp":
      case "setcomp":
      case "objectcomp": {
        const inner = new Scope(scope.frame, scope);
        const body = this.resolveBody(t.body, inner);
        const term = this.resolveTerm(t.type === "objectcomp" ? t.key : t.term, inner);
        const value = t.type === "objectcomp" ? this.resolveTerm(t.value, inner) : undefined;
        return { t: t.type, term, value, body, closure: [...inner.closure], loc: t.loc };
      }
      case "call":
        return this.resolveCall(t.name, t.args, t.op, t.loc, scope);
    }
  }

  private resolveVar(name: string, loc: SourceLocation, scope: Scope): IRTerm {
    if (name === "_") return { t: "local", slot: scope.frame.alloc("_", loc, true), name, loc };
    const slot = scope.lookup(name);
    if (slot !== undefined) return { t: "local", slot, name, loc };
    if (name === "input") return { t: "input", loc };
    if (name === "data") return { t: "data", loc };
    const alias = this.aliases.get(name);
    if (alias !== undefined) return this.aliasRef(alias, [], loc);
    const rs = this.pkg.rules.get(name);
    if (rs !== undefined) return this.ruleTerm(rs, loc);
    // Only head variables that no body expression binds get here; the safety check reports them.
    return { t: "local", slot: scope.declare(name, loc), name, loc };
  }

  private aliasRef(path: readonly string[], rest: IRTerm[], loc: SourceLocation): IRTerm {
    const head: IRTerm = path[0] === "input" ? { t: "input", loc } : { t: "data", loc };
    const consts: IRTerm[] = path.slice(1).map((p) => ({ t: "const", v: p, loc }));
    return this.staticRef(head, [...consts, ...rest], loc);
  }

  private ruleTerm(rs: RuleSet, loc: SourceLocation): IRTerm {
    if (rs.kind === "function") throw compileError("rego_type", loc, `function ${rs.name} used as a value`);
    this.current?.deps.add(rs);
    return { t: "rule", rs, loc };
  }

  /** Resolves `data.<pkg>.<rule>…` to the rule when the path is constant. */
  private staticRef(head: IRTerm, path: IRTerm[], loc: SourceLocation): IRTerm {
    if (head.t === "ref") return this.staticRef(head.head, [...head.path, ...path], loc);
    if (head.t === "data") {
      let node = this.root;
      for (let i = 0; i < path.length; i++) {
        const p = path[i] as IRTerm;
        if (p.t !== "const" || typeof p.v !== "string") break;
        const child = node.children.get(p.v);
        if (child !== undefined) {
          node = child;
          continue;
        }
        const rs = node.rules.get(p.v);
        if (rs === undefined) break;
        const rule = this.ruleTerm(rs, p.loc);
        const rest = path.slice(i + 1);
        return rest.length === 0 ? rule : { t: "ref", head: rule, path: rest, loc };
      }
    }
    return path.length === 0 ? head : { t: "ref", head, path, loc };
  }

  private resolveCall(
    name: string,
    args: readonly Term[],
    op: string | undefined,
    loc: SourceLocation,
    scope: Scope,
  ): IRTerm {
    const irArgs = args.map((a) => this.resolveTerm(a, scope));
    const fn = this.resolveCallee(name, loc);
    const arity = fn.kind === "func" ? fn.rs.arity : fn.b.arity;
    const variadic = fn.kind === "builtin" && fn.b.variadic;
    if (!variadic && irArgs.length !== arity && irArgs.length !== arity + 1) {
      throw compileError("rego_arity", loc, `${name}: expected ${arity} arguments, got ${irArgs.length}`);
    }
    const out = !variadic && irArgs.length === arity + 1 ? irArgs.pop() : undefined;
    return { t: "call", fn, args: irArgs, out, name, op, loc };
  }

  private resolveCallee(name: string, loc: SourceLocation) {
    const parts = name.split(".");
    const alias = this.aliases.get(parts[0] as string);
    const path = alias !== undefined ? [...alias, ...parts.slice(1)] : parts;
    let rs: RuleSet | undefined;
    if (path[0] === "data") {
      let node: PackageNode | undefined = this.root;
      for (const p of path.slice(1, -1)) node = node?.children.get(p);
      rs = node?.rules.get(path[path.length - 1] as string);
      if (rs === undefined) throw compileError("rego_unknown_builtin", loc, `unknown function ${name}`);
    } else if (path.length === 1) {
      rs = this.pkg.rules.get(name);
    }
    if (rs !== undefined) {
      if (rs.kind !== "function")
        throw compileError("rego_not_function", loc, `${name} is a rule, not a function`);
      this.current?.deps.add(rs);
      return { kind: "func" as const, rs };
    }
    const b = lookupBuiltin(name);
    if (b === undefined) throw compileError("rego_unknown_builtin", loc, `unknown builtin ${name}`);
    return { kind: "builtin" as const, b };
  }

  /** Constant folding: collections of constants become one constant value. */
  private fold(t: IRTerm): IRTerm {
    if (t.t === "array" && t.items.every((x) => x.t === "const")) {
      return { t: "const", v: t.items.map((x) => (x as { v: RegoValue }).v), loc: t.loc };
    }
    if (t.t === "set" && t.items.every((x) => x.t === "const")) {
      return { t: "const", v: new RegoSet(t.items.map((x) => (x as { v: RegoValue }).v)), loc: t.loc };
    }
    if (t.t === "object" && t.keys.every((x) => x.t === "const") && t.values.every((x) => x.t === "const")) {
      const o = newObject();
      for (let i = 0; i < t.keys.length; i++) {
        const k = (t.keys[i] as { v: RegoValue }).v;
        if (typeof k !== "string")
          throw compileError("rego_type", (t.keys[i] as IRTerm).loc, "object keys must be strings");
        o[k] = (t.values[i] as { v: RegoValue }).v;
      }
      return { t: "const", v: o, loc: t.loc };
    }
    return t;
  }
}
