// The policy text the agent loads: rules file verbatim + `policy_data := <JSON>` (Kata Containers src/tools/genpolicy/src/policy.rs), and the embedded default rules.

import type { PolicyData } from "./pod-policy-data.ts";
import defaultRulesText from "./rules.rego" with { type: "text" };

/** Our rules file, byte for byte, for writing `rules.rego` on first run. */
export const DEFAULT_RULES_TEXT: string = defaultRulesText;

/** Appends the data document to the rules; key order is insertion order, so equal inputs give equal bytes. */
export function renderPolicy(rules: string, data: PolicyData): string {
  return renderPolicyParts(rules, data).join("");
}

/** `renderPolicy` as parts whose concatenation is the policy: the rules (shared by every pod) come first, unchanged. */
export function renderPolicyParts(rules: string, data: PolicyData): string[] {
  const sep = rules.endsWith("\n") ? "" : "\n";
  return [rules, `${sep}\npolicy_data := `, JSON.stringify(data, null, 2), "\n"];
}
