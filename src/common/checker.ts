// Collects every validation problem of a JSON document with its path; typed readers return undefined after recording
// a problem.

import { describeValue } from "./errors.ts";

export class Checker {
  readonly problems: string[] = [];

  add(path: string, message: string): void {
    this.problems.push(`${path || "(root)"}: ${message}`);
  }

  /** Records "expected …, got …" — except for `undefined`, which `required` has already reported as missing. */
  expected(path: string, what: string, got: unknown): undefined {
    if (got !== undefined) this.add(path, `expected ${what}, got ${describeValue(got)}`);
    return undefined;
  }

  /** An object with only `allowed` keys (unknown keys are problems: deny by default). */
  object(v: unknown, path: string, allowed: readonly string[]): Record<string, unknown> | undefined {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return this.expected(path, "object", v);
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!allowed.includes(k)) this.add(join(path, k), "unknown field");
    return o;
  }

  /** A required field: absence is a problem. */
  required(o: Record<string, unknown>, key: string, path: string): unknown {
    if (!(key in o) || o[key] === undefined) {
      this.add(join(path, key), "required field missing");
      return undefined;
    }
    return o[key];
  }

  string(v: unknown, path: string, nonEmpty = true): string | undefined {
    if (typeof v !== "string" || (nonEmpty && v === "")) return this.expected(path, "non-empty string", v);
    return v;
  }

  bool(v: unknown, path: string): boolean | undefined {
    return typeof v === "boolean" ? v : this.expected(path, "boolean", v);
  }

  uint(v: unknown, path: string, max: number): number | undefined {
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0 || v > max) {
      return this.expected(path, `integer 0-${max}`, v);
    }
    return v;
  }

  /** Hex of exactly `bytes` bytes; `lowercase` additionally refuses A-F. */
  hex(v: unknown, path: string, bytes: number, lowercase = false): string | undefined {
    const re = lowercase ? /^[0-9a-f]*$/ : /^[0-9a-fA-F]*$/;
    if (typeof v !== "string" || !re.test(v) || v.length !== bytes * 2) {
      return this.expected(path, `${bytes * 2} ${lowercase ? "lowercase " : ""}hex characters`, v);
    }
    return v;
  }

  array(v: unknown, path: string): unknown[] | undefined {
    return Array.isArray(v) ? v : this.expected(path, "array", v);
  }

  /** Reads each element with `read`; undefined results (problems) are dropped. */
  list<T>(v: unknown, path: string, read: (item: unknown, path: string) => T | undefined): T[] | undefined {
    const arr = this.array(v, path);
    if (arr === undefined) return undefined;
    const out: T[] = [];
    arr.forEach((item, i) => {
      const r = read(item, `${path}[${i}]`);
      if (r !== undefined) out.push(r);
    });
    return out;
  }
}

/** `a.b`, or `a["odd key"]` when the key is not a plain identifier or hex digest. */
export function join(path: string, key: string): string {
  const plain = /^[A-Za-z0-9_]+$/.test(key);
  const seg = plain ? key : `[${JSON.stringify(key)}]`;
  if (path === "") return plain ? key : seg;
  return plain ? `${path}.${key}` : `${path}${seg}`;
}
