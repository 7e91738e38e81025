// What a pod's initdata pins about its deployment's Coordinator (issue 10 §1), in the `[data]` entry
// `contrast-coordinator.json` next to `policy.rego`: being inside the initdata, it is covered by the pod's HOST_DATA.
//
//   {"version":1,"coordinatorPolicies":["<hex sha256>",…],"deploymentKeys":["<hex PKIX DER>",…]}
//
// coordinatorPolicies: initdata digests a Coordinator may run with (its report's HOST_DATA / MRCONFIGID[0..32]).
// deploymentKeys: workload-owner public keys, one of which must have signed the first manifest of the history.
// Serialized deterministically (fixed key order, sorted lowercase lists, no whitespace): the bytes are hashed.

import { fromHex } from "../common/bytes.ts";
import { ParseError } from "../common/errors.ts";
import { checkEcPublicKeySpki } from "../crypto/key-check.ts";

export const COORDINATOR_PIN_KEY = "contrast-coordinator.json";
const VERSION = 1;
const FIELDS = ["version", "coordinatorPolicies", "deploymentKeys"] as const;
const MAX_ENTRIES = 64;

export interface CoordinatorPin {
  readonly coordinatorPolicies: readonly string[];
  readonly deploymentKeys: readonly string[];
}

export function serializeCoordinatorPin(pin: CoordinatorPin): string {
  const norm = (l: readonly string[]) => [...new Set(l.map((x) => x.toLowerCase()))].sort();
  return JSON.stringify({
    version: VERSION,
    coordinatorPolicies: norm(pin.coordinatorPolicies),
    deploymentKeys: norm(pin.deploymentKeys),
  });
}

/** Strict: exactly the three fields, at least one digest and one key, every key a valid ECDSA public key. */
export function parseCoordinatorPin(text: string): CoordinatorPin {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw bad("(root)", "json", "malformed text");
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw bad("(root)", "object", typeof v);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (!(FIELDS as readonly string[]).includes(k)) throw bad(k, "no such field", k);
  if (o.version !== VERSION) throw bad("version", String(VERSION), JSON.stringify(o.version));
  const coordinatorPolicies = list(o.coordinatorPolicies, "coordinatorPolicies", (s, f) => {
    if (!/^[0-9a-f]{64}$/.test(s)) throw bad(f, "64 lowercase hex characters", JSON.stringify(s));
  });
  const deploymentKeys = list(o.deploymentKeys, "deploymentKeys", (s, f) => {
    if (!/^[0-9a-f]+$/.test(s) || s.length % 2 !== 0) throw bad(f, "lowercase hex", JSON.stringify(s));
    checkEcPublicKeySpki(fromHex(s, f), `${COORDINATOR_PIN_KEY}: ${f}`);
  });
  return { coordinatorPolicies, deploymentKeys };
}

function list(v: unknown, field: string, check: (s: string, field: string) => void): string[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_ENTRIES)
    throw bad(
      field,
      `an array of 1-${MAX_ENTRIES} strings`,
      Array.isArray(v) ? `${v.length} items` : typeof v,
    );
  return v.map((s, i) => {
    if (typeof s !== "string") throw bad(`${field}[${i}]`, "string", typeof s);
    check(s, `${field}[${i}]`);
    return s;
  });
}

function bad(field: string, expected: string, got: string): ParseError {
  return new ParseError(
    "coordinator_pin_invalid",
    `${COORDINATOR_PIN_KEY}: ${field}: expected ${expected}, got ${got}`,
    {
      field,
    },
  );
}
