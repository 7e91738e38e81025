// Compiler: parsed modules → package tree of rule sets with resolved, safety-ordered rule definitions.

import type { ElseBranch, Module, Rule, RuleKind } from "./ast.ts";
import { FrameAlloc, Resolver, Scope } from "./compile-resolve.ts";
import { SafetyChecker } from "./compile-safety.ts";
import { compileError, type SourceLocation } from "./errors.ts";
import type { IRElse, IRTerm, PackageNode, RuleSet } from "./ir.ts";
import { equalValues, type RegoValue } from "./value.ts";

export interface CompiledPolicy {
  readonly root: PackageNode;
  readonly ruleSets: readonly RuleSet[];
}

function newPackage(): PackageNode {
  return { children: new Map(), rules: new Map() };
}

/** Compiles all modules together (rules may reference each other across packages). */
export function compileModules(modules: readonly Module[]): CompiledPolicy {
  const root = newPackage();
  const ruleSets: RuleSet[] = [];
  for (const m of modules) declareRules(root, m, ruleSets);
  for (const m of modules) {
    const resolver = new Resolver(root, m);
    const pkg = findPackage(root, m.pkg);
    for (const rule of m.rules) compileRule(resolver, pkg.rules.get(rule.name) as RuleSet, rule);
  }
  for (const rs of ruleSets) rs.constantValue = hasConstantValue(rs);
  checkRecursion(ruleSets);
  return { root, ruleSets };
}

function findPackage(root: PackageNode, path: readonly string[]): PackageNode {
  let node = root;
  for (const p of path) {
    let child = node.children.get(p);
    if (child === undefined) {
      child = newPackage();
      node.children.set(p, child);
    }
    node = child;
  }
  return node;
}

function declareRules(root: PackageNode, m: Module, out: RuleSet[]): void {
  const pkg = findPackage(root, m.pkg);
  for (const rule of m.rules) {
    const kind: RuleKind = rule.kind;
    const arity = rule.args?.length ?? 0;
    const existing = pkg.rules.get(rule.name);
    if (existing === undefined) {
      const rs: RuleSet = {
        name: rule.name,
        path: [...m.pkg, rule.name],
        kind,
        arity,
        defs: [],
        defaultValue: undefined,
        constantValue: false,
        deps: new Set(),
        loc: rule.loc,
      };
      pkg.rules.set(rule.name, rs);
      out.push(rs);
    } else if (existing.kind !== kind || existing.arity !== arity) {
      throw compileError(
        "rego_rule_conflict",
        rule.loc,
        `rule ${rule.name}: conflicting kinds or arity of definitions`,
      );
    }
  }
}

function compileRule(resolver: Resolver, rs: RuleSet, rule: Rule): void {
  resolver.current = rs;
  const frame = new FrameAlloc();
  const params = new Scope(frame);
  for (const a of rule.args ?? []) resolver.declarePattern(a, params);
  const irParams = rule.args?.map((a) => resolver.resolveTerm(a, params));
  const nParams = frame.size;
  if (rule.isDefault) {
    compileDefault(resolver, rs, rule, params);
    return;
  }
  const scope = new Scope(frame, params);
  const body = resolver.resolveBody(rule.body, scope);
  const key = rule.key === undefined ? undefined : resolver.resolveTerm(rule.key, scope);
  const value = headValue(resolver, rule.value, scope, rule.loc);
  const elseBranch = compileElse(resolver, rule.else, params);
  const checker = new SafetyChecker(frame);
  // Parameter slots come first in the frame; they are bound when a function is called.
  const paramSlots = new Set<number>();
  for (let s = 0; s < nParams; s++) paramSlots.add(s);
  const bound = new Set(paramSlots);
  checker.orderBody(body, bound);
  if (key !== undefined) checker.requireSafe(key, bound);
  checker.requireSafe(value, bound);
  for (let e = elseBranch; e !== undefined; e = e.else) {
    const b = new Set(paramSlots);
    checker.orderBody(e.body, b);
    checker.requireSafe(e.value, b);
  }
  rs.defs.push({ params: irParams, key, value, body, else: elseBranch, nslots: frame.size, loc: rule.loc });
}

function headValue(resolver: Resolver, t: Rule["value"], scope: Scope, loc: SourceLocation): IRTerm {
  return t === undefined ? { t: "const", v: true, loc } : resolver.resolveTerm(t, scope);
}

function compileElse(resolver: Resolver, e: ElseBranch | undefined, params: Scope): IRElse | undefined {
  if (e === undefined) return undefined;
  const scope = new Scope(params.frame, params);
  const body = resolver.resolveBody(e.body, scope);
  const value = headValue(resolver, e.value, scope, e.loc);
  return { value, body, else: compileElse(resolver, e.else, params), loc: e.loc };
}

function compileDefault(resolver: Resolver, rs: RuleSet, rule: Rule, params: Scope): void {
  if (rs.defaultValue !== undefined)
    throw compileError("rego_rule_conflict", rule.loc, `multiple default rules ${rule.name}`);
  const v = headValue(resolver, rule.value, params, rule.loc);
  if (v.t !== "const")
    throw compileError("rego_type", v.loc, `default rule ${rule.name}: value must be a constant`);
  rs.defaultValue = v.v;
}

/** True when every definition (and else branch) yields the same constant: the first success decides. */
function hasConstantValue(rs: RuleSet): boolean {
  if (rs.kind !== "complete" && rs.kind !== "function") return false;
  let first: RegoValue | undefined;
  const same = (t: IRTerm): boolean => {
    if (t.t !== "const") return false;
    if (first === undefined) first = t.v;
    return equalValues(first, t.v);
  };
  for (const d of rs.defs) {
    if (!same(d.value)) return false;
    for (let e = d.else; e !== undefined; e = e.else) if (!same(e.value)) return false;
  }
  return true;
}

/** Rules and functions may not depend on themselves (OPA rejects recursion at compile time). */
function checkRecursion(ruleSets: readonly RuleSet[]): void {
  const state = new Map<RuleSet, 1 | 2>();
  const stack: RuleSet[] = [];
  const visit = (rs: RuleSet): void => {
    const s = state.get(rs);
    if (s === 2) return;
    if (s === 1) {
      const cycle = [...stack.slice(stack.indexOf(rs)), rs].map((r) => r.path.join("."));
      throw compileError("rego_recursion", rs.loc, `rule ${rs.name} is recursive: ${cycle.join(" -> ")}`);
    }
    state.set(rs, 1);
    stack.push(rs);
    for (const d of rs.deps) visit(d);
    stack.pop();
    state.set(rs, 2);
  };
  for (const rs of ruleSets) visit(rs);
}
