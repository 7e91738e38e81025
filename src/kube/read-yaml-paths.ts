// Reads `*.yaml`/`*.yml` files from the paths given on the command line, walking folders recursively in sorted order.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../common/errors.ts";
import type { YamlSourceFile } from "./yaml-documents.ts";

const YAML_FILE = /\.ya?ml$/i;

function walk(path: string, out: string[]): void {
  const st = statSync(path, { throwIfNoEntry: false });
  if (st === undefined)
    throw new ConfigError("input_path_missing", `input path ${path} expected to exist, got nothing`);
  if (st.isFile()) {
    out.push(path);
    return;
  }
  if (!st.isDirectory()) return;
  for (const entry of readdirSync(path).sort()) {
    const child = join(path, entry);
    const cst = statSync(child, { throwIfNoEntry: false });
    if (cst?.isDirectory()) walk(child, out);
    else if (cst?.isFile() && YAML_FILE.test(entry)) out.push(child);
  }
}

/** Lists the YAML files under `paths` (explicit files are taken whatever their extension) and reads them as UTF-8. */
export function readYamlPaths(paths: readonly string[]): YamlSourceFile[] {
  const files: string[] = [];
  for (const p of paths) walk(p, files);
  const unique = [...new Set(files)];
  return unique.map((path) => ({ path, text: readFileSync(path, "utf8") }));
}
