// Reads `*.yaml`/`*.yml` files from the paths given on the command line, walking folders recursively in sorted order;
// refuses Helm charts and Kustomize directories, which must be rendered to plain YAML first.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { ConfigError } from "../common/errors.ts";
import type { YamlSourceFile } from "./yaml-documents.ts";

const YAML_FILE = /\.ya?ml$/i;
const HELM_CHART = ["Chart.yaml", "Chart.yml"];
const KUSTOMIZATION = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/** An input `generate` cannot read as it is, and the command that renders it. */
interface Unrendered {
  readonly path: string;
  readonly what: string;
  readonly render: string;
}

function unrenderedAt(dir: string, entries: readonly string[]): Unrendered | undefined {
  if (entries.some((e) => HELM_CHART.includes(e)))
    return { path: dir, what: "a Helm chart", render: `helm template ${dir} > rendered.yaml` };
  if (entries.some((e) => KUSTOMIZATION.includes(e)))
    return { path: dir, what: "a Kustomize directory", render: `kubectl kustomize ${dir} > rendered.yaml` };
  return undefined;
}

function walk(path: string, out: string[], unrendered: Unrendered[]): void {
  const st = statSync(path, { throwIfNoEntry: false });
  if (st === undefined)
    throw new ConfigError("input_path_missing", `input path ${path} expected to exist, got nothing`);
  if (st.isFile()) {
    const asDir = unrenderedAt(path, [basename(path)]);
    if (asDir !== undefined) unrendered.push({ ...asDir, path });
    else out.push(path);
    return;
  }
  if (!st.isDirectory()) return;
  const entries = readdirSync(path).sort();
  const found = unrenderedAt(path, entries);
  if (found !== undefined) {
    unrendered.push(found);
    return;
  }
  for (const entry of entries) {
    const child = join(path, entry);
    const cst = statSync(child, { throwIfNoEntry: false });
    if (cst?.isDirectory()) walk(child, out, unrendered);
    else if (cst?.isFile() && YAML_FILE.test(entry)) out.push(child);
  }
}

/**
 * Lists the YAML files under `paths` (explicit files are taken whatever their extension) and reads them as UTF-8.
 * A Helm chart (`Chart.yaml`) or Kustomize directory (`kustomization.yaml`) among them is a ConfigError naming each
 * with the command that renders it: their files are templates and patches, not the objects that will run.
 */
export function readYamlPaths(paths: readonly string[]): YamlSourceFile[] {
  const files: string[] = [];
  const unrendered: Unrendered[] = [];
  for (const p of paths) walk(p, files, unrendered);
  if (unrendered.length > 0) {
    const list = unrendered.map((u) => `${u.path} is ${u.what} (render it: ${u.render})`);
    throw new ConfigError(
      "input_not_rendered",
      `PATHS: expected plain Kubernetes YAML, got ${list.join("; ")}; then pass the rendered file`,
      { field: unrendered[0]?.path },
    );
  }
  const unique = [...new Set(files)];
  return unique.map((path) => ({ path, text: readFileSync(path, "utf8") }));
}
