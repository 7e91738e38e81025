// The builtin table: every builtin the evaluator knows, by its dotted Rego name.

import { type BuiltinDef, BuiltinError, type BuiltinFn } from "./args.ts";
import { COLLECTIONS } from "./collections.ts";
import { ENCODING } from "./encoding.ts";
import { NET } from "./net.ts";
import { NUMBERS } from "./numbers.ts";
import { OPERATORS } from "./operators.ts";
import { REGEX } from "./regex.ts";
import { STRINGS } from "./strings.ts";
import { TYPES } from "./types.ts";

export { BuiltinError };

export interface Builtin {
  readonly name: string;
  readonly arity: number;
  readonly variadic: boolean;
  readonly fn: BuiltinFn;
}

/** `print` is evaluated by the evaluator itself (undefined arguments are printed, not propagated). */
export const PRINT_BUILTIN: Builtin = { name: "print", arity: 0, variadic: true, fn: () => true };

const TABLE = new Map<string, Builtin>([["print", PRINT_BUILTIN]]);
for (const group of [OPERATORS, STRINGS, REGEX, ENCODING, COLLECTIONS, NUMBERS, TYPES, NET]) {
  for (const [name, def] of Object.entries(group) as [string, BuiltinDef][]) {
    TABLE.set(name, { name, arity: def.arity, variadic: def.variadic === true, fn: def.fn });
  }
}

export function lookupBuiltin(name: string): Builtin | undefined {
  return TABLE.get(name);
}
