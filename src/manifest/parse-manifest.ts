// Parses manifest bytes into a validated Manifest, reporting every problem with its JSON path (reference §2.1).
//
// The manifest is identified by its exact bytes: `raw` is a copy of the input and `digest` is SHA-256 over it.
// Nothing here re-serializes; the returned object is only for reading.

import { fromHex, toHex } from "../common/bytes.ts";
import { sha256 } from "../common/digest.ts";
import { isContrastError } from "../common/errors.ts";
import { checkEcPublicKeySpki, checkRsaPublicKeyPkcs1 } from "../crypto/key-check.ts";
import { sanProblem } from "../crypto/san.ts";
import { Checker, join } from "./checker.ts";
import { ManifestError } from "./manifest-error.ts";
import { missingUserValues } from "./missing-user-values.ts";
import type { Manifest, PolicyEntry, ReferenceValues } from "./types.ts";
import { readSnpReferenceValue } from "./validate-snp.ts";
import { readTdxReferenceValue } from "./validate-tdx.ts";

export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const TOP_LEVEL = ["Policies", "ReferenceValues", "WorkloadOwnerPubKeys", "SeedshareOwnerPubKeys"] as const;

export interface ParsedManifest {
  readonly manifest: Manifest;
  /** The exact bytes parsed (a private copy). */
  readonly raw: Uint8Array;
  /** Lowercase hex SHA-256 of `raw`. */
  readonly digest: string;
}

export interface ParseManifestOptions {
  /** Turn `missingUserValues` hints into problems (used by `set`). */
  readonly requireComplete?: boolean;
}

export function parseManifest(bytes: Uint8Array, opts: ParseManifestOptions = {}): ParsedManifest {
  const raw = bytes.slice();
  if (raw.length > MAX_MANIFEST_BYTES) {
    throw new ManifestError([`(root): expected at most ${MAX_MANIFEST_BYTES} bytes, got ${raw.length}`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(raw));
  } catch (e) {
    throw new ManifestError([
      `(root): expected utf-8 json, got ${e instanceof SyntaxError ? e.message : "invalid utf-8"}`,
    ]);
  }
  const c = new Checker();
  const manifest = readManifest(c, json);
  if (manifest !== undefined && opts.requireComplete) c.problems.push(...missingUserValues(manifest));
  if (manifest === undefined || c.problems.length > 0) throw new ManifestError(c.problems);
  return { manifest, raw, digest: toHex(sha256(raw)) };
}

function readManifest(c: Checker, json: unknown): Manifest | undefined {
  const o = c.object(json, "", TOP_LEVEL);
  if (o === undefined) return undefined;
  const policies = c.required(o, "Policies", "");
  const refs = c.required(o, "ReferenceValues", "");
  return {
    Policies: policies === undefined ? {} : readPolicies(c, policies),
    ReferenceValues: refs === undefined ? {} : readReferenceValues(c, refs),
    WorkloadOwnerPubKeys: readKeyList(
      c,
      o.WorkloadOwnerPubKeys,
      "WorkloadOwnerPubKeys",
      checkEcPublicKeySpki,
    ),
    SeedshareOwnerPubKeys: readKeyList(
      c,
      o.SeedshareOwnerPubKeys,
      "SeedshareOwnerPubKeys",
      checkRsaPublicKeyPkcs1,
    ),
  };
}

function readPolicies(c: Checker, v: unknown): Record<string, PolicyEntry> {
  const o = c.object(v, "Policies", Object.keys((v ?? {}) as object));
  const out: Record<string, PolicyEntry> = {};
  if (o === undefined) return out;
  let coordinators = 0;
  for (const [digest, entry] of Object.entries(o)) {
    const path = join("Policies", digest);
    if (!/^[0-9a-f]{64}$/.test(digest))
      c.add(path, `expected key of 64 lowercase hex characters, got ${JSON.stringify(digest)}`);
    const e = readPolicyEntry(c, entry, path);
    if (e?.Role === "coordinator") coordinators++;
    if (e !== undefined) out[digest] = e;
  }
  // v1.x rule: exactly one Coordinator policy (issue C may relax this for HA).
  if (coordinators !== 1)
    c.add("Policies", `expected exactly one entry with Role "coordinator", got ${coordinators}`);
  return out;
}

function readPolicyEntry(c: Checker, v: unknown, path: string): PolicyEntry | undefined {
  const o = c.object(v, path, ["SANs", "WorkloadSecretID", "Role"]);
  if (o === undefined) return undefined;
  const sans =
    c.list(c.required(o, "SANs", path), join(path, "SANs"), (s, p) => {
      const san = c.string(s, p);
      const problem = san === undefined ? undefined : sanProblem(san);
      return problem === undefined ? san : void c.add(p, problem);
    }) ?? [];
  const entry: { SANs: string[]; WorkloadSecretID?: string; Role?: "coordinator" } = { SANs: sans };
  const id = o.WorkloadSecretID;
  if (id !== undefined && id !== "") entry.WorkloadSecretID = c.string(id, join(path, "WorkloadSecretID"));
  const role = o.Role;
  if (role === "coordinator") entry.Role = role;
  else if (role !== undefined && role !== "") c.expected(join(path, "Role"), `"coordinator" or absent`, role);
  return entry;
}

function readReferenceValues(c: Checker, v: unknown): ReferenceValues {
  const o = c.object(v, "ReferenceValues", ["snp", "tdx"]);
  if (o === undefined) return {};
  const out: {
    snp?: ReturnType<typeof readSnpReferenceValue>[];
    tdx?: ReturnType<typeof readTdxReferenceValue>[];
  } = {};
  const snp =
    o.snp === undefined || o.snp === null
      ? []
      : c.list(o.snp, "ReferenceValues.snp", (e, p) => readSnpReferenceValue(c, e, p));
  const tdx =
    o.tdx === undefined || o.tdx === null
      ? []
      : c.list(o.tdx, "ReferenceValues.tdx", (e, p) => readTdxReferenceValue(c, e, p));
  const snpCount = Array.isArray(o.snp) ? o.snp.length : 0;
  const tdxCount = Array.isArray(o.tdx) ? o.tdx.length : 0;
  if (snpCount + tdxCount === 0)
    c.add("ReferenceValues", "expected at least one snp or tdx reference value, got none");
  if (snp !== undefined && snp.length > 0) out.snp = snp;
  if (tdx !== undefined && tdx.length > 0) out.tdx = tdx;
  return out as ReferenceValues;
}

/** Absent or null means empty (Go marshals a nil slice as null). Duplicates are refused. */
function readKeyList(
  c: Checker,
  v: unknown,
  path: string,
  check: (der: Uint8Array, field: string) => unknown,
): string[] {
  if (v === undefined || v === null) return [];
  const seen = new Set<string>();
  return (
    c.list(v, path, (item, p) => {
      if (typeof item !== "string" || !/^[0-9a-fA-F]+$/.test(item) || item.length % 2 !== 0) {
        return c.expected(p, "hex string", item);
      }
      try {
        check(fromHex(item, p), p);
      } catch (e) {
        const msg = isContrastError(e) ? e.message : `${p}: expected a valid key`;
        c.problems.push(msg.startsWith(p) ? msg : `${p}: ${msg}`);
        return undefined;
      }
      const norm = item.toLowerCase();
      if (seen.has(norm)) return void c.add(p, "duplicate key");
      seen.add(norm);
      return item;
    }) ?? []
  );
}
