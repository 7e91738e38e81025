// The Coordinator API's bodies, checked and decoded: one parser per body, its field list tied to the wire type in
// src/api/types.ts (a missing or extra field does not compile). Every field is checked before use; errors name it.
// Requests are parsed by the Coordinator's routes; responses by its clients (the CLI, the Initializer), which turn a
// failed check into their own code, since there the peer is at fault.

import type { Evidence } from "../attestation/evidence.ts";
import { isTee, TEE_NAMES } from "../attestation/platforms.ts";
import { fromBase64, fromHex } from "../common/bytes.ts";
import { describeValue } from "../common/errors.ts";
import { ApiError } from "./errors.ts";
import type {
  AttestRequest,
  AttestResponse,
  EvidenceWire,
  MeshAttestRequest,
  MeshAttestResponse,
  MeshCertRequest,
  RecoverRequest,
  SetManifestRequest,
} from "./types.ts";

function bad(field: string, expected: string, got: unknown): never {
  throw new ApiError("invalid_argument", `${field}: expected ${expected}, got ${describeValue(got)}`);
}

export function expectObject(v: unknown, field: string, allowed: readonly string[]): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) bad(field, "object", v);
  for (const k of Object.keys(v as object)) {
    if (!allowed.includes(k)) bad(`${field}.${k}`, "no such field", (v as Record<string, unknown>)[k]);
  }
  return v as Record<string, unknown>;
}

export function expectString(v: unknown, field: string, maxLength = 1 << 20): string {
  if (typeof v !== "string") bad(field, "string", v);
  if ((v as string).length > maxLength) bad(field, `at most ${maxLength} characters`, v);
  return v as string;
}

export function expectBase64(
  v: unknown,
  field: string,
  opts: { length?: number; maxBytes?: number } = {},
): Uint8Array {
  const s = expectString(v, field, opts.maxBytes ? Math.ceil(opts.maxBytes / 3) * 4 + 4 : 1 << 24);
  let b: Uint8Array;
  try {
    b = fromBase64(s, field);
  } catch {
    bad(field, "standard padded base64", s);
  }
  if (opts.length !== undefined && b.length !== opts.length) bad(field, `${opts.length} bytes`, b);
  return b;
}

export function expectHex(v: unknown, field: string, length: number): Uint8Array {
  const s = expectString(v, field, length * 2 + 2);
  if (!/^[0-9a-f]*$/.test(s) || s.length !== length * 2)
    bad(field, `${length * 2} lowercase hex characters`, s);
  return fromHex(s, field, length);
}

export function expectArray(v: unknown, field: string, maxItems: number): unknown[] {
  if (!Array.isArray(v)) bad(field, "array", v);
  if ((v as unknown[]).length > maxItems) bad(field, `at most ${maxItems} items`, v);
  return v as unknown[];
}

const MAX_REPORT = 64 * 1024;
const MAX_CERT = 16 * 1024;

export function parseEvidence(v: unknown, field = "evidence"): Evidence {
  const o = expectObject(v, field, ["platform", "report", "certs"]);
  const platform = o.platform;
  if (!isTee(platform))
    bad(`${field}.platform`, TEE_NAMES.map((t) => JSON.stringify(t)).join(" or "), platform);
  const report = expectBase64(o.report, `${field}.report`, { maxBytes: MAX_REPORT });
  const certs: Evidence["certs"] = {};
  if (o.certs !== undefined) {
    const c = expectObject(o.certs, `${field}.certs`, ["vcek", "vlek", "ask", "ark", "crl"]);
    for (const k of ["vcek", "vlek", "ask", "ark", "crl"] as const) {
      if (c[k] !== undefined)
        certs[k] = expectBase64(c[k], `${field}.certs.${k}`, { maxBytes: MAX_CERT * 4 });
    }
  }
  return { platform, report, certs };
}

export function encodeEvidence(e: Evidence): EvidenceWire {
  const certs: NonNullable<EvidenceWire["certs"]> = {};
  for (const [k, v] of Object.entries(e.certs)) {
    if (v) certs[k as keyof typeof certs] = Buffer.from(v).toString("base64");
  }
  return { platform: e.platform, report: Buffer.from(e.report).toString("base64"), certs };
}

/** All keys of wire type T, each once: `fields<SetManifestRequest>()("manifest", …)` compiles only when complete. */
function fields<T>() {
  return <const K extends readonly (keyof T & string)[]>(
    ...keys: K & ([Exclude<keyof T, K[number]>] extends [never] ? unknown : never)
  ): readonly string[] => keys;
}

const MAX_POLICIES = 10_000;
const MAX_DOC = 4 * 1024 * 1024;
const MAX_HISTORY = 100_000;

export interface AttestBody {
  readonly nonce: Uint8Array;
}

/** `POST /v1/attest` and `POST /v1/mesh/attest`: 32 random bytes. */
export function parseAttestRequest(v: unknown): AttestBody {
  const o = expectObject(v, "body", fields<AttestRequest & MeshAttestRequest>()("nonce"));
  return { nonce: expectBase64(o.nonce, "nonce", { length: 32 }) };
}

export interface SetManifestBody {
  readonly manifest: Uint8Array;
  readonly policies: readonly Uint8Array[];
  readonly previousTransition: Uint8Array;
  readonly signature: Uint8Array | undefined;
}

export function parseSetManifestRequest(v: unknown): SetManifestBody {
  const o = expectObject(
    v,
    "body",
    fields<SetManifestRequest>()("manifest", "policies", "previousTransition", "signature"),
  );
  return {
    manifest: expectBase64(o.manifest, "manifest", { maxBytes: MAX_DOC }),
    policies: expectArray(o.policies, "policies", MAX_POLICIES).map((p, i) =>
      expectBase64(p, `policies[${i}]`, { maxBytes: MAX_DOC }),
    ),
    previousTransition: expectHex(o.previousTransition, "previousTransition", 32),
    signature:
      o.signature === undefined ? undefined : expectBase64(o.signature, "signature", { maxBytes: 512 }),
  };
}

export interface RecoverBody {
  readonly seed: Uint8Array;
  readonly salt: Uint8Array;
  readonly latestTransition: Uint8Array;
}

export function parseRecoverRequest(v: unknown): RecoverBody {
  const o = expectObject(v, "body", fields<RecoverRequest>()("seed", "salt", "latestTransition"));
  return {
    seed: expectBase64(o.seed, "seed", { maxBytes: 1024 }),
    salt: expectBase64(o.salt, "salt", { length: 32 }),
    latestTransition: expectHex(o.latestTransition, "latestTransition", 32),
  };
}

export interface MeshCertBody {
  readonly nonce: Uint8Array;
  /** DER SPKI of the key to certify (its curve is checked by the route). */
  readonly publicKey: Uint8Array;
  readonly evidence: Evidence;
}

export function parseMeshCertRequest(v: unknown): MeshCertBody {
  const o = expectObject(v, "body", fields<MeshCertRequest>()("nonce", "publicKey", "evidence"));
  return {
    nonce: expectBase64(o.nonce, "nonce", { length: 32 }),
    publicKey: expectBase64(o.publicKey, "publicKey", { maxBytes: 512 }),
    evidence: parseEvidence(o.evidence),
  };
}

/** The Coordinator's attested state as `/v1/mesh/attest` answers it (and `/v1/attest`, with more). */
export interface AttestedStateBody {
  readonly version: string;
  readonly evidence: Evidence;
  readonly tlsPublicKey: Uint8Array;
  readonly manifests: readonly Uint8Array[];
  readonly signatures: readonly Uint8Array[];
  readonly rootCA: string;
  readonly meshCA: string;
}

function readAttestedState(o: Record<string, unknown>): AttestedStateBody {
  return {
    version: typeof o.version === "string" ? o.version : "",
    evidence: parseEvidence(o.evidence, "attest response.evidence"),
    tlsPublicKey: expectBase64(o.tlsPublicKey, "attest response.tlsPublicKey", { maxBytes: 1024 }),
    manifests: expectArray(o.manifests, "manifests", MAX_HISTORY).map((m, i) =>
      expectBase64(m, `manifests[${i}]`),
    ),
    signatures: expectArray(o.signatures, "signatures", MAX_HISTORY).map((m, i) =>
      expectBase64(m, `signatures[${i}]`, { maxBytes: 512 }),
    ),
    rootCA: expectString(o.rootCA, "rootCA"),
    meshCA: expectString(o.meshCA, "meshCA"),
  };
}

export function parseMeshAttestResponse(v: unknown): AttestedStateBody {
  return readAttestedState(
    expectObject(
      v,
      "attest response",
      fields<MeshAttestResponse>()(
        "version",
        "evidence",
        "tlsPublicKey",
        "manifests",
        "signatures",
        "rootCA",
        "meshCA",
      ),
    ),
  );
}

export interface AttestResponseBody extends AttestedStateBody {
  readonly phase: AttestResponse["phase"];
  readonly policies: readonly Uint8Array[];
}

export function parseAttestResponse(v: unknown): AttestResponseBody {
  const o = expectObject(
    v,
    "attest response",
    fields<AttestResponse>()(
      "version",
      "phase",
      "evidence",
      "tlsPublicKey",
      "manifests",
      "signatures",
      "policies",
      "rootCA",
      "meshCA",
    ),
  );
  const phase = o.phase;
  if (phase !== "uninitialized" && phase !== "recovery" && phase !== "ready")
    bad("attest response.phase", "uninitialized, recovery or ready", phase);
  return {
    ...readAttestedState(o),
    phase: phase as AttestResponse["phase"],
    policies: expectArray(o.policies, "policies", 1_000_000).map((m, i) => expectBase64(m, `policies[${i}]`)),
  };
}
