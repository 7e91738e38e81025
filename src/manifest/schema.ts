// The manifest's field tables: they drive reading (every problem with its JSON path), writing and the TypeScript types.
// Field names mirror the reference's JSON (edgelesssys/contrast internal/manifest/manifest.go); each platform's
// reference-value entry has its own table in src/attestation/<platform>/reference-value.ts.

import { TEE_PLATFORMS, type Tee } from "../attestation/platforms.ts";
import { readSnpReferenceValue } from "../attestation/snp/reference-value.ts";
import { readTdxReferenceValue } from "../attestation/tdx/reference-value.ts";
import { fromHex } from "../common/bytes.ts";
import { type Checker, join } from "../common/checker.ts";
import { isContrastError } from "../common/errors.ts";
import { type Field, type FieldsOf, field, readFields, type Table, writeFields } from "../common/fields.ts";
import { checkEcPublicKeySpki, checkRsaPublicKeyPkcs1 } from "../crypto/key-check.ts";
import { sanProblem } from "../crypto/san.ts";

export type PolicyRole = "coordinator";

/** A string where "" means absent (Go writes empty strings); absent and "" are both left out. */
const unlessEmpty = <T extends string>(f: Field<T>): Field<T> & { readonly optional: true } =>
  field.optional(field.custom<T>((c, v, path) => (v === "" ? undefined : f.read(c, v, path))));

export const POLICY_ENTRY_FIELDS = {
  /** DNS names (a leftmost `*` allowed), IP addresses or URIs the workload's mesh certificate carries. */
  SANs: field.list(
    field.custom<string>((c, v, path) => {
      const san = c.string(v, path);
      const problem = san === undefined ? undefined : sanProblem(san);
      return problem === undefined ? san : void c.add(path, problem);
    }),
  ),
  /** Empty or absent ⇒ no workload secret is issued. */
  WorkloadSecretID: unlessEmpty(field.string()),
  Role: unlessEmpty(
    field.custom<PolicyRole>((c, v, path) =>
      v === "coordinator" ? v : c.expected(path, `"coordinator" or absent`, v),
    ),
  ),
} satisfies Table;

export type PolicyEntry = FieldsOf<typeof POLICY_ENTRY_FIELDS>;

/** Lowercase hex SHA-256 of the initdata document → workload identity. */
export type Policies = Readonly<Record<string, PolicyEntry>>;

/** One list per TEE platform (the compiler asks for a new platform's here); at least one entry across them. */
export const REFERENCE_VALUES_FIELDS = {
  snp: field.optional(field.list(field.custom(readSnpReferenceValue))),
  tdx: field.optional(field.list(field.custom(readTdxReferenceValue))),
} satisfies Table & Record<Tee, Field<unknown>>;

export type ReferenceValues = FieldsOf<typeof REFERENCE_VALUES_FIELDS>;

/** ReferenceValues as the manifest writes it: per platform in table order, empty lists left out. */
export function writeReferenceValues(refs: ReferenceValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const platform of Object.keys(REFERENCE_VALUES_FIELDS) as (keyof ReferenceValues)[]) {
    const entries = refs[platform];
    const table = TEE_PLATFORMS[platform].referenceValue.fields;
    // biome-ignore lint/suspicious/noExplicitAny: each platform's entries are written with that platform's table
    if (entries?.length) out[platform] = entries.map((e) => writeFields(e as any, table));
  }
  return out;
}

/** Reads a ReferenceValues object: null lists are empty (Go), and at least one entry is required. */
export function readReferenceValues(c: Checker, v: unknown, path: string): ReferenceValues | undefined {
  const o = c.object(v, path, Object.keys(REFERENCE_VALUES_FIELDS));
  if (o === undefined) return undefined;
  // null is Go's nil slice: read as empty
  const nonNull = Object.fromEntries(Object.entries(o).filter(([, x]) => x !== null));
  const refs = readFields(c, nonNull, path, REFERENCE_VALUES_FIELDS) ?? {};
  const given = Object.values(o).reduce<number>((n, x) => n + (Array.isArray(x) ? x.length : 0), 0);
  if (given === 0) c.add(path, "expected at least one snp or tdx reference value, got none");
  const out: { -readonly [K in keyof ReferenceValues]: ReferenceValues[K] } = {};
  for (const k of Object.keys(REFERENCE_VALUES_FIELDS) as (keyof ReferenceValues)[]) {
    const list = refs[k];
    // biome-ignore lint/suspicious/noExplicitAny: the key selects the list's own type
    if (list !== undefined && list.length > 0) out[k] = list as any;
  }
  return out;
}

function readPolicies(c: Checker, v: unknown, path: string): Record<string, PolicyEntry> {
  const o = c.object(v, path, Object.keys((v ?? {}) as object));
  const out: Record<string, PolicyEntry> = {};
  if (o === undefined) return out;
  let coordinators = 0;
  for (const [digest, entry] of Object.entries(o)) {
    const p = join(path, digest);
    if (!/^[0-9a-f]{64}$/.test(digest))
      c.add(p, `expected key of 64 lowercase hex characters, got ${JSON.stringify(digest)}`);
    const e = readFields(c, entry, p, POLICY_ENTRY_FIELDS);
    if (e?.Role === "coordinator") coordinators++;
    if (e !== undefined) out[digest] = e;
  }
  // v1.x rule: exactly one Coordinator policy (issue C may relax this for HA).
  if (coordinators !== 1)
    c.add(path, `expected exactly one entry with Role "coordinator", got ${coordinators}`);
  return out;
}

/** Hex DER keys, each checked by `check`; null means empty (Go marshals a nil slice as null). Duplicates are refused. */
function keyList(check: (der: Uint8Array, field: string) => unknown): Field<readonly string[]> {
  return field.defaulted(
    field.custom<readonly string[]>((c, v, path) => {
      if (v === null) return [];
      const seen = new Set<string>();
      return c.list(v, path, (item, p) => {
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
      });
    }),
    () => [],
  );
}

export const MANIFEST_FIELDS = {
  Policies: field.custom(readPolicies),
  ReferenceValues: field.custom((c, v, path) => readReferenceValues(c, v, path) ?? {}),
  /** Hex PKIX DER of ECDSA keys allowed to sign updates; empty ⇒ the manifest is final. */
  WorkloadOwnerPubKeys: keyList(checkEcPublicKeySpki),
  /** Hex PKCS#1 DER of RSA keys that receive seed shares; may not change across updates. */
  SeedshareOwnerPubKeys: keyList(checkRsaPublicKeyPkcs1),
} satisfies Table;

export type Manifest = FieldsOf<typeof MANIFEST_FIELDS>;
