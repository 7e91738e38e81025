// The data document: packages and their rules (virtual) layered over the base data given with setData.

import type { Evaluator, Frame, KV } from "./eval.ts";
import { evalRuleValue } from "./eval-rules.ts";
import type { IRTerm, PackageNode } from "./ir.ts";
import { compareStrings, hasKey, isObject, newObject, type RegoValue } from "./value.ts";

/** A position in the data tree that is (partly) a package: its children are evaluated on demand. */
export class VirtualNode {
  constructor(
    readonly pkg: PackageNode,
    readonly base: RegoValue | undefined,
  ) {}
}

type Child = VirtualNode | RegoValue | undefined;

/** Child `key` of a package node: a sub-package, a rule's value (rules shadow base data), or base data. */
function childOfNode(ev: Evaluator, node: VirtualNode, key: RegoValue): Child {
  if (typeof key !== "string") return undefined;
  const base = isObject(node.base) && hasKey(node.base, key) ? node.base[key] : undefined;
  const pkg = node.pkg.children.get(key);
  if (pkg !== undefined) return new VirtualNode(pkg, base);
  const rs = node.pkg.rules.get(key);
  if (rs !== undefined) return rs.kind === "function" ? undefined : evalRuleValue(ev, rs);
  return base;
}

function keysOfNode(node: VirtualNode): string[] {
  const keys = new Set<string>([...node.pkg.children.keys()]);
  for (const [name, rs] of node.pkg.rules) if (rs.kind !== "function") keys.add(name);
  if (isObject(node.base)) for (const k of Object.keys(node.base)) keys.add(k);
  return [...keys].sort(compareStrings);
}

/** The whole subtree as a value (only needed when a query stops at a package, e.g. `data.agent_policy`). */
export function materialize(ev: Evaluator, node: VirtualNode): RegoValue {
  const out = newObject();
  for (const key of keysOfNode(node)) {
    const c = childOfNode(ev, node, key);
    if (c === undefined) continue;
    out[key] = c instanceof VirtualNode ? materialize(ev, c) : c;
  }
  return out;
}

export function walkVirtual(
  ev: Evaluator,
  node: VirtualNode,
  path: readonly IRTerm[],
  i: number,
  f: Frame,
  k: KV,
): boolean {
  if (i === path.length) return k(materialize(ev, node));
  const p = path[i] as IRTerm;
  const follow = (c: Child): boolean => {
    if (c === undefined) return false;
    return c instanceof VirtualNode ? walkVirtual(ev, c, path, i + 1, f, k) : ev.walk(c, path, i + 1, f, k);
  };
  if (p.t === "local" && f[p.slot] === undefined) {
    for (const key of keysOfNode(node)) {
      ev.step(p.loc);
      f[p.slot] = key;
      const r = follow(childOfNode(ev, node, key));
      f[p.slot] = undefined;
      if (r) return true;
    }
    return false;
  }
  return ev.evalTerm(p, f, (key) => follow(childOfNode(ev, node, key)));
}
