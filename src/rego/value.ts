// Rego values: JSON-compatible JS values plus RegoSet, with OPA's total order, equality and canonical keys.

/** An object value: string keys only (JSON-compatible), created with a null prototype by the evaluator. */
export type RegoObject = { [key: string]: RegoValue };
export type RegoValue = null | boolean | number | string | RegoValue[] | RegoObject | RegoSet;

export type RegoTypeName = "null" | "boolean" | "number" | "string" | "array" | "object" | "set";

/** An immutable-after-construction set of Rego values, iterated in OPA's sorted order. */
export class RegoSet {
  private readonly items = new Map<string, RegoValue>();
  private sortedCache: RegoValue[] | null = null;

  constructor(values?: Iterable<RegoValue>) {
    if (values !== undefined) for (const v of values) this.add(v);
  }

  /** Adds a value; only used while building a set. Returns false if it was already present. */
  add(v: RegoValue): boolean {
    const k = keyOf(v);
    if (this.items.has(k)) return false;
    this.items.set(k, v);
    this.sortedCache = null;
    return true;
  }

  has(v: RegoValue): boolean {
    return this.items.has(keyOf(v));
  }

  get size(): number {
    return this.items.size;
  }

  /** Elements in ascending order (OPA iterates sets sorted). */
  values(): readonly RegoValue[] {
    if (this.sortedCache === null) this.sortedCache = [...this.items.values()].sort(compareValues);
    return this.sortedCache;
  }
}

export function isObject(v: RegoValue | undefined): v is RegoObject {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof RegoSet);
}

export function typeNameOf(v: RegoValue): RegoTypeName {
  if (v === null) return "null";
  switch (typeof v) {
    case "boolean":
      return "boolean";
    case "number":
      return "number";
    case "string":
      return "string";
  }
  if (Array.isArray(v)) return "array";
  if (v instanceof RegoSet) return "set";
  return "object";
}

const TYPE_RANK: Record<RegoTypeName, number> = {
  null: 0,
  boolean: 1,
  number: 2,
  string: 3,
  array: 4,
  object: 5,
  set: 6,
};

export function newObject(): RegoObject {
  return Object.create(null) as RegoObject;
}

export function hasKey(o: RegoObject, k: string): boolean {
  return Object.hasOwn(o, k);
}

/** Object keys in sorted order (OPA iterates objects by sorted key). */
export function sortedKeys(o: RegoObject): string[] {
  return Object.keys(o).sort(compareStrings);
}

/** Compares strings by code point, which is the UTF-8 byte order Go uses. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      // Surrogates (U+D800..DFFF) encode code points above U+FFFF: move them above U+E000..FFFF.
      if (x >= 0xd800 && y >= 0xd800) {
        x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
        y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
      }
      return x < y ? -1 : 1;
    }
  }
  return a.length - b.length < 0 ? -1 : a.length === b.length ? 0 : 1;
}

/** OPA's total order: null < boolean < number < string < array < object < set. */
export function compareValues(a: RegoValue, b: RegoValue): number {
  const ta = typeNameOf(a);
  const tb = typeNameOf(b);
  if (ta !== tb) return TYPE_RANK[ta] < TYPE_RANK[tb] ? -1 : 1;
  switch (ta) {
    case "null":
      return 0;
    case "boolean":
    case "number":
      return a === b ? 0 : (a as number) < (b as number) ? -1 : 1;
    case "string":
      return compareStrings(a as string, b as string);
    case "array":
      return compareSequences(a as RegoValue[], b as RegoValue[]);
    case "set":
      return compareSequences((a as RegoSet).values(), (b as RegoSet).values());
    default:
      return compareObjects(a as RegoObject, b as RegoObject);
  }
}

function compareSequences(a: readonly RegoValue[], b: readonly RegoValue[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareValues(a[i] as RegoValue, b[i] as RegoValue);
    if (c !== 0) return c;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

function compareObjects(a: RegoObject, b: RegoObject): number {
  const ka = sortedKeys(a);
  const kb = sortedKeys(b);
  const n = Math.min(ka.length, kb.length);
  for (let i = 0; i < n; i++) {
    const c = compareStrings(ka[i] as string, kb[i] as string);
    if (c !== 0) return c;
    const d = compareValues(a[ka[i] as string] as RegoValue, b[kb[i] as string] as RegoValue);
    if (d !== 0) return d;
  }
  return ka.length === kb.length ? 0 : ka.length < kb.length ? -1 : 1;
}

/** Deep equality (numbers by value, so 1 == 1.0; objects by key set; sets by members). */
export function equalValues(a: RegoValue, b: RegoValue): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equalValues(a[i] as RegoValue, b[i] as RegoValue)) return false;
    return true;
  }
  if (a instanceof RegoSet) {
    if (!(b instanceof RegoSet) || a.size !== b.size) return false;
    for (const v of a.values()) if (!b.has(v)) return false;
    return true;
  }
  if (Array.isArray(b) || b instanceof RegoSet) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!Object.hasOwn(b, k) || !equalValues(a[k] as RegoValue, b[k] as RegoValue)) return false;
  }
  return true;
}

/** A canonical string for a value: equal values have equal keys. Used for set membership. */
export function keyOf(v: RegoValue): string {
  switch (typeof v) {
    case "string":
      return `s${v}`;
    case "number":
      return `n${v}`;
    case "boolean":
      return v ? "t" : "f";
  }
  if (v === null) return "z";
  return `c${canonical(v)}`;
}

function canonical(v: RegoValue): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v instanceof RegoSet) return `<${v.values().map(canonical).join(",")}>`;
  return `{${sortedKeys(v)
    .map((k) => `${JSON.stringify(k)}:${canonical(v[k] as RegoValue)}`)
    .join(",")}}`;
}
