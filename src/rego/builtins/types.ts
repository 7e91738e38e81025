// Type builtins: is_<type> checks and type_name.

import { type RegoTypeName, type RegoValue, typeNameOf } from "../value.ts";
import type { BuiltinDef } from "./args.ts";

function is(t: RegoTypeName): BuiltinDef {
  return { arity: 1, fn: (a) => typeNameOf(a[0] as RegoValue) === t };
}

export const TYPES: Record<string, BuiltinDef> = {
  is_null: is("null"),
  is_boolean: is("boolean"),
  is_number: is("number"),
  is_string: is("string"),
  is_array: is("array"),
  is_object: is("object"),
  is_set: is("set"),
  type_name: { arity: 1, fn: (a) => typeNameOf(a[0] as RegoValue) },
};
