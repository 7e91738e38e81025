// Release-pipeline helper: writes SRI integrity into runtime/locks/*.lock.json from bytes that are actually present.
//
// Usage: bun runtime/pin-artifacts.ts [--artifacts DIR] [--runtime DIR] [--check | --unpinned]
//   The Kata template's integrity is always recomputed from runtime/kata/. A file entry whose source is an image
//   path `/artifacts/<platform-id>/<path>` is pinned from `DIR/<platform-id>/<path>` when that file exists; entries
//   whose bytes are absent keep (or get) no integrity, so the node-installer refuses them. Never invents a digest.
//   `deb:` entries are left alone: their integrity is the packaged file's, set by `fetch-artifacts.ts --pin`.
//   --runtime DIR works on a copy of runtime/ (locks/ and kata/ below DIR); --check exits 1 when a lock would change (CI guard that locks match the templates).
//   --unpinned lists, per platform, every artifact without integrity and the step that pins it (exit 1 if any):
//   what a release still has to provide before its node-installer can install that platform.

import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { computeSri, formatSri } from "../src/common/sri.ts";
import { parseRuntimeLock } from "../src/platform/lock.ts";
import { describeUnpinned } from "../src/platform/unpinned.ts";

const args = process.argv.slice(2);
const runtimeIdx = args.indexOf("--runtime");
const here = runtimeIdx >= 0 ? args[runtimeIdx + 1]! : import.meta.dir;
const check = args.includes("--check");
const artifactsIdx = args.indexOf("--artifacts");
const artifactsDir = artifactsIdx >= 0 ? args[artifactsIdx + 1] : join(here, "artifacts");

interface FileEntry {
  role: string;
  source: string;
  installPath: string;
  executable: boolean;
  integrity?: string;
}

if (args.includes("--unpinned")) {
  const lines = readdirSync(join(here, "locks"))
    .filter((n) => n.endsWith(".lock.json"))
    .sort()
    .map((n) => describeUnpinned(parseRuntimeLock(JSON.parse(readFileSync(join(here, "locks", n), "utf8")))))
    .filter((l) => l !== "");
  for (const l of lines) process.stdout.write(`unpinned: ${l}\n`);
  process.exit(lines.length > 0 ? 1 : 0);
}

let changed = 0;
for (const name of readdirSync(join(here, "locks")).filter((n) => n.endsWith(".lock.json"))) {
  const path = join(here, "locks", name);
  const before = readFileSync(path, "utf8");
  const lock = JSON.parse(before) as {
    kataConfig: { template: string; integrity: string };
    files: FileEntry[];
  };
  lock.kataConfig.integrity = formatSri(computeSri(readFileSync(join(here, lock.kataConfig.template))));
  for (const f of lock.files) {
    const m = /^\/artifacts\/(.+)$/.exec(f.source);
    const local = m && artifactsDir ? join(artifactsDir, m[1]!) : undefined;
    if (local && existsSync(local)) f.integrity = formatSri(computeSri(readFileSync(local), "sha384"));
  }
  const after = `${JSON.stringify(lock, null, 2)}\n`;
  if (after !== before) {
    changed++;
    if (!check) writeFileSync(path, after);
    process.stdout.write(`${check ? "stale" : "updated"} ${name}\n`);
  }
}
if (check && changed > 0) process.exit(1);
