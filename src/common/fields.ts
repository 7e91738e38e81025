// Field tables: one entry per field of a JSON object, in the order it is written, saying how the field is read.
//
// A table drives the reader (`readFields`: every problem recorded with its path, unknown fields refused), the writer
// (`writeFields`: the table's order, absent optional fields left out) and the TypeScript type (`FieldsOf<typeof T>`),
// so adding a field is one line here that the compiler then asks every builder of the object for.

import { type Checker, join } from "./checker.ts";

// Method signatures (not function-typed properties) keep Field<T> assignable to Field<unknown> in a table.
export interface Field<T> {
  /** Reads a present value; records a problem and returns undefined when it is not a `T`. */
  read(c: Checker, v: unknown, path: string): T | undefined;
  /** Absent is allowed (the field is then left out). */
  readonly optional: boolean;
  /** How the value is written, when not as it is (nested tables). */
  write?(v: T): unknown;
  /** The value an absent field reads as (the field is then required in the type, but not in the JSON). */
  readonly absent?: () => T;
}

type Reader<T> = (c: Checker, v: unknown, path: string) => T | undefined;

export type Table = Readonly<Record<string, Field<unknown>>>;

type ValueOf<F> = F extends Field<infer T> ? T : never;
type RequiredKeys<T extends Table> = { [K in keyof T]: T[K]["optional"] extends true ? never : K }[keyof T];
type OptionalKeys<T extends Table> = Exclude<keyof T, RequiredKeys<T>>;

/** The object a table describes: required fields as they are, optional ones with `?`. */
export type FieldsOf<T extends Table> = {
  readonly [K in RequiredKeys<T>]: ValueOf<T[K]>;
} & {
  readonly [K in OptionalKeys<T>]?: ValueOf<T[K]>;
} extends infer O
  ? { [K in keyof O]: O[K] }
  : never;

const required = <T>(read: Reader<T>, write?: (v: T) => unknown): Field<T> =>
  write === undefined ? { read, optional: false } : { read, optional: false, write };

/** The field kinds manifests and reference values use; each names what it expects in its problem. */
export const field = {
  /** A non-empty string. */
  string: (): Field<string> => required((c, v, p) => c.string(v, p)),
  bool: (): Field<boolean> => required((c, v, p) => c.bool(v, p)),
  /** A whole number 0..max. */
  uint: (max: number): Field<number> => required((c, v, p) => c.uint(v, p, max)),
  /** Hex of exactly `bytes` bytes, either case. */
  hex: (bytes: number): Field<string> => required((c, v, p) => c.hex(v, p, bytes)),
  /** One of `values`. */
  oneOf: <const V extends string>(values: readonly V[]): Field<V> =>
    required((c, v, p) =>
      typeof v === "string" && (values as readonly string[]).includes(v)
        ? (v as V)
        : c.expected(p, `one of ${values.join(", ")}`, v),
    ),
  /** `f`, or null (a value the user has yet to fill in). */
  nullable: <T>(f: Field<T>): Field<T | null> => required((c, v, p) => (v === null ? null : f.read(c, v, p))),
  /** An array of `f`; elements that are not are recorded and dropped. */
  list: <T>(f: Field<T>): Field<readonly T[]> =>
    required<readonly T[]>((c, v, p) => c.list(v, p, (item, ip) => f.read(c, item, ip))),
  /** A nested object described by `table`. */
  object: <T extends Table>(table: T): Field<FieldsOf<T>> =>
    required(
      (c, v, p) => readFields(c, v, p, table),
      (v) => writeFields(v, table),
    ),
  /** The same field; absent, it reads as `absent()` (Go writes a nil slice as null or leaves it out). */
  defaulted: <T>(f: Field<T>, absent: () => T): Field<T> => ({ ...f, absent }),
  /** The same field, allowed to be absent. */
  optional: <T>(f: Field<T>): Field<T> & { readonly optional: true } => ({ ...f, optional: true }),
  /** A reader of its own, for a rule no kind above states. */
  custom: <T>(read: Reader<T>): Field<T> => required(read),
};

/**
 * Reads `v` as the object `table` describes: unknown fields and missing required ones are problems, each field is read
 * by its entry. Returns what could be read (undefined when `v` is not an object); callers that need all of it
 * compare `c.problems.length` before and after.
 */
export function readFields<T extends Table>(
  c: Checker,
  v: unknown,
  path: string,
  table: T,
): FieldsOf<T> | undefined {
  const o = c.object(v, path, Object.keys(table));
  if (o === undefined) return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, f] of Object.entries(table)) {
    const present = key in o && o[key] !== undefined;
    if (!present) {
      if (f.absent !== undefined) out[key] = f.absent();
      else if (!f.optional) c.add(join(path, key), "required field missing");
      continue;
    }
    const r = f.read(c, o[key], join(path, key));
    if (r !== undefined) out[key] = r;
  }
  return out as FieldsOf<T>;
}

/** `value` as JSON in the table's field order; absent (undefined) fields are left out, null is kept. */
export function writeFields<T extends Table>(value: FieldsOf<T>, table: T): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, f] of Object.entries(table)) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = f.write === undefined ? v : f.write(v);
  }
  return out;
}
