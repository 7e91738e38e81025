// Kubernetes `$(VAR)` expansion in env values, command and args (k8s.io/kubernetes third_party/forked/golang/expansion).

import type { Part, PartialValue } from "./value-pattern.ts";

/**
 * Expands `$(NAME)` with `vars`, `$$` to `$`; unknown names and other `$` sequences stay literal,
 * exactly as the kubelet does. Run-time parts of referenced values are carried over as regex parts.
 */
export function expandVars(input: string, vars: ReadonlyMap<string, PartialValue>): PartialValue {
  const out: Part[] = [];
  let lit = "";
  let i = 0;
  while (i < input.length) {
    const ch = input[i];
    if (ch !== "$" || i + 1 >= input.length) {
      lit += ch;
      i++;
      continue;
    }
    const next = input[i + 1];
    if (next === "$") {
      lit += "$";
      i += 2;
      continue;
    }
    if (next === "(") {
      const close = input.indexOf(")", i + 2);
      if (close > 0) {
        const name = input.slice(i + 2, close);
        const value = vars.get(name);
        if (value !== undefined) {
          for (const p of value) {
            if ("lit" in p) lit += p.lit;
            else {
              if (lit !== "") out.push({ lit });
              lit = "";
              out.push(p);
            }
          }
        } else lit += input.slice(i, close + 1);
        i = close + 1;
        continue;
      }
    }
    lit += ch;
    i++;
  }
  if (lit !== "" || out.length === 0) out.push({ lit });
  return out;
}
