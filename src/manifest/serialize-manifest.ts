// Writes a manifest as the CLI stores it: 2-space JSON, reference field order, sorted key lists, trailing newline.
//
// Only the CLI that creates manifest.json calls this; everything else hashes and forwards the bytes it was given.

import { writeFields } from "../common/fields.ts";
import { type Manifest, POLICY_ENTRY_FIELDS, type PolicyEntry, writeReferenceValues } from "./schema.ts";

export function serializeManifest(manifest: Manifest): string {
  const policies: Record<string, unknown> = {};
  for (const digest of Object.keys(manifest.Policies).sort()) {
    policies[digest] = writeFields(manifest.Policies[digest] as PolicyEntry, POLICY_ENTRY_FIELDS);
  }
  const out = {
    Policies: policies,
    ReferenceValues: writeReferenceValues(manifest.ReferenceValues),
    WorkloadOwnerPubKeys: [...manifest.WorkloadOwnerPubKeys].map((k) => k.toLowerCase()).sort(),
    SeedshareOwnerPubKeys: [...manifest.SeedshareOwnerPubKeys].map((k) => k.toLowerCase()).sort(),
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}
