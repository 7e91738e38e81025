// Finds the policy (initdata) documents a manifest references: in YAML annotations or in <workspace>/policies/.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { toHex } from "../common/bytes.ts";
import { sha256 } from "../common/digest.ts";
import { ConfigError, ParseError } from "../common/errors.ts";
import { readYamlPaths } from "../kube/read-yaml-paths.ts";
import type { Manifest } from "../manifest/schema.ts";
import { decodeInitdataAnnotation } from "../policy/initdata.ts";

export const INITDATA_ANNOTATION = "io.katacontainers.config.hypervisor.cc_init_data";

/** Digest → exact document bytes, for every initdata annotation found in the YAML files. */
export function documentsFromYaml(paths: readonly string[]): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const file of readYamlPaths(paths)) {
    // logLevel "error": the yaml library's warnings stay in doc.warnings, never on stderr.
    for (const [i, doc] of parseAllDocuments(file.text, { logLevel: "error" }).entries()) {
      let value: unknown;
      try {
        if (doc.errors.length > 0) throw doc.errors[0];
        value = doc.toJS({ maxAliasCount: 100 }); // an unresolved alias or an alias bomb throws here
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        throw new ParseError("yaml_malformed", `${file.path}#${i}: ${message.split("\n")[0]}`);
      }
      collect(value, (annotation) => {
        const d = decodeInitdataAnnotation(annotation);
        out.set(d.digest, d.toml);
      });
    }
  }
  return out;
}

function collect(node: unknown, found: (annotation: string) => void, depth = 0): void {
  if (depth > 64 || typeof node !== "object" || node === null) return;
  if (Array.isArray(node)) {
    for (const n of node) collect(n, found, depth + 1);
    return;
  }
  for (const [k, v] of Object.entries(node)) {
    if (k === INITDATA_ANNOTATION && typeof v === "string") found(v);
    else collect(v, found, depth + 1);
  }
}

/** Documents in `<dir>/*.toml`, keyed by their SHA-256 (file names are not trusted). */
export function documentsFromDir(dir: string): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith(".toml")) continue;
    const bytes = new Uint8Array(readFileSync(join(dir, name)));
    out.set(toHex(sha256(bytes)), bytes);
  }
  return out;
}

/** Exactly the documents of `manifest.Policies`, or a ConfigError listing every missing digest. */
export function selectPolicyDocuments(manifest: Manifest, found: Map<string, Uint8Array>): Uint8Array[] {
  const missing = Object.keys(manifest.Policies).filter((d) => !found.has(d));
  if (missing.length > 0) {
    throw new ConfigError(
      "policy_documents_missing",
      `policies: no document for ${missing.join(", ")} (pass the generated YAML files or run generate again)`,
    );
  }
  return Object.keys(manifest.Policies).map((d) => found.get(d)!);
}
