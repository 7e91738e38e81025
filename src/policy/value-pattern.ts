// Strings that are partly known at generation time and partly decided at run time (pod IP, hostname …), and their policy form.

export type Part = { readonly lit: string } | { readonly re: string };
/** A value as a sequence of literal text and regex fragments. */
export type PartialValue = readonly Part[];

/**
 * How one string appears in policy data: exact text, or an anchored regex when run-time parts are involved.
 * `from` records, for auditors reading the policy, where a value the host chooses is meant to come from
 * (the rules do not read it: a request carries only the value).
 */
export type ValuePattern = { readonly exact: string } | { readonly regex: string; readonly from?: string };

export function literal(s: string): PartialValue {
  return [{ lit: s }];
}

export function runtime(re: string): PartialValue {
  return [{ re }];
}

/** Escapes regex syntax characters only (valid in both JS `u` mode and Rust regex). */
export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export function isLiteral(v: PartialValue): boolean {
  return v.every((p) => "lit" in p);
}

/** Policy form; `prefix` is literal text put in front (e.g. `NAME=`). */
export function toPattern(v: PartialValue, prefix = ""): ValuePattern {
  if (isLiteral(v)) return { exact: prefix + v.map((p) => ("lit" in p ? p.lit : "")).join("") };
  const body = v.map((p) => ("lit" in p ? escapeRegex(p.lit) : `(?:${p.re})`)).join("");
  return { regex: `^${escapeRegex(prefix)}${body}$` };
}
