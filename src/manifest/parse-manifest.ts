// Parses manifest bytes into a validated Manifest, reporting every problem with its JSON path (edgelesssys/contrast internal/manifest).
//
// The manifest is identified by its exact bytes: `raw` is a copy of the input and `digest` is SHA-256 over it.
// Nothing here re-serializes; the returned object is only for reading.

import { toHex } from "../common/bytes.ts";
import { Checker } from "../common/checker.ts";
import { sha256 } from "../common/digest.ts";
import { readFields } from "../common/fields.ts";
import { ManifestError } from "./manifest-error.ts";
import { missingUserValues } from "./missing-user-values.ts";
import { MANIFEST_FIELDS, type Manifest } from "./schema.ts";

export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

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
  const manifest = readFields(c, json, "", MANIFEST_FIELDS);
  if (manifest !== undefined && opts.requireComplete) c.problems.push(...missingUserValues(manifest));
  if (manifest === undefined || c.problems.length > 0) throw new ManifestError(c.problems);
  return { manifest, raw, digest: toHex(sha256(raw)) };
}
