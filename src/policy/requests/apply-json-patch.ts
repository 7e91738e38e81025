// RFC 6902 JSON Patch on a plain JSON document (add, remove, replace, test), as the agent applies policy ops to its data.

import { ConfigError } from "../../common/errors.ts";

type Json = unknown;

function fail(i: number, msg: string): never {
  throw new ConfigError("policy_patch_invalid", `ops[${i}]: ${msg}`, { field: `ops[${i}]` });
}

/** RFC 6901 pointer → reference tokens. */
function parsePointer(path: unknown, i: number): string[] {
  if (typeof path !== "string" || (path !== "" && !path.startsWith("/")))
    fail(i, `path expected a JSON pointer, got ${JSON.stringify(path)}`);
  if (path === "") return [];
  return path
    .slice(1)
    .split("/")
    .map((t) => t.replaceAll("~1", "/").replaceAll("~0", "~"));
}

function isContainer(v: Json): v is Record<string, Json> | Json[] {
  return typeof v === "object" && v !== null;
}

function deepEqual(a: Json, b: Json): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function arrayIndex(parent: Json[], token: string, i: number, forAdd: boolean): number {
  if (forAdd && token === "-") return parent.length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) fail(i, `array index expected a number, got ${token}`);
  const idx = Number(token);
  if (idx > parent.length || (!forAdd && idx === parent.length)) fail(i, `array index ${idx} out of range`);
  return idx;
}

function applyOne(doc: Json, op: Record<string, Json>, i: number): Json {
  const tokens = parsePointer(op.path, i);
  if (tokens.length === 0) {
    if (op.op === "test") return deepEqual(doc, op.value) ? doc : fail(i, "test failed");
    if (op.op === "add" || op.op === "replace") return structuredClone(op.value);
    fail(i, `op ${String(op.op)} on the document root is not supported`);
  }
  let parent: Json = doc;
  for (const t of tokens.slice(0, -1)) {
    if (!isContainer(parent)) fail(i, `path ${String(op.path)} expected to exist`);
    parent = Array.isArray(parent) ? parent[arrayIndex(parent, t, i, false)] : parent[t];
  }
  const last = tokens[tokens.length - 1] as string;
  if (!isContainer(parent)) fail(i, `path ${String(op.path)} expected to exist`);
  const exists = Array.isArray(parent) ? undefined : Object.hasOwn(parent, last);
  switch (op.op) {
    case "add":
      if (!("value" in op)) fail(i, "add expected a value");
      if (Array.isArray(parent))
        parent.splice(arrayIndex(parent, last, i, true), 0, structuredClone(op.value));
      else parent[last] = structuredClone(op.value);
      return doc;
    case "remove":
    case "replace":
      if (Array.isArray(parent)) {
        const idx = arrayIndex(parent, last, i, false);
        if (op.op === "remove") parent.splice(idx, 1);
        else parent[idx] = structuredClone(op.value);
      } else {
        if (!exists) fail(i, `path ${String(op.path)} expected to exist`);
        if (op.op === "remove") delete parent[last];
        else parent[last] = structuredClone(op.value);
      }
      return doc;
    case "test": {
      const cur = Array.isArray(parent) ? parent[arrayIndex(parent, last, i, false)] : parent[last];
      return deepEqual(cur, op.value) ? doc : fail(i, `test of ${String(op.path)} failed`);
    }
    default:
      return fail(i, `op expected add, remove, replace or test, got ${JSON.stringify(op.op)}`);
  }
}

/** Applies `ops` to a copy of `doc`; any failing op leaves the original untouched and throws `policy_patch_invalid`. */
export function applyJsonPatch(doc: Json, ops: Json): Json {
  if (!Array.isArray(ops))
    throw new ConfigError("policy_patch_invalid", "ops: expected an array", { field: "ops" });
  let out = structuredClone(doc);
  for (const [i, op] of ops.entries()) {
    if (typeof op !== "object" || op === null || Array.isArray(op)) fail(i, "expected an object");
    out = applyOne(out, op as Record<string, Json>, i);
  }
  return out;
}
