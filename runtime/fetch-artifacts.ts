// Fetches every `deb:`-sourced lock entry (apt-get download of the pinned version), verifies its SRI and places it for the image.
//
// Usage: bun runtime/fetch-artifacts.ts [--artifacts DIR] [--cache DIR] [--runtime DIR] [--pin]
//   For each entry `deb:<package>=<version>:/<path>` of runtime/locks/*.lock.json: the .deb is downloaded once into
//   the cache (default runtime/.cache/deb/<package>=<version>/, apt verifies it against the signed archive), unpacked
//   with `dpkg-deb -x`, the file at <path> is hashed and compared with the lock's integrity, and only then copied to
//   DIR/<platform id>/<installPath> (default runtime/artifacts/), which images/build.sh puts at /artifacts/ in the
//   node-installer image. A mismatch exits 1 and places nothing. --pin writes the SRI (sha384) of the extracted bytes
//   into the lock instead of checking it (the release step after changing a pinned version). Needs apt-get, dpkg-deb.

import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ContrastError } from "../src/common/errors.ts";
import { computeSri, formatSri, parseSri, verifySri } from "../src/common/sri.ts";
import {
  type DebSource,
  debArtifactImagePath,
  isDebSource,
  parseDebSource,
} from "../src/platform/artifact-source.ts";
import { parsePlatform } from "../src/platform/platforms.ts";

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const runtimeDir = flag("--runtime") ?? import.meta.dir;
const artifactsDir = flag("--artifacts") ?? join(runtimeDir, "artifacts");
const cacheDir = flag("--cache") ?? join(runtimeDir, ".cache", "deb");
const pin = args.includes("--pin");

function run(argv: string[], cwd?: string): string {
  const r = Bun.spawnSync(argv, { cwd, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) {
    const err = new TextDecoder().decode(r.stderr).trim();
    throw new Error(`${argv.join(" ")}: exit ${r.exitCode}${err ? `: ${err}` : ""}`);
  }
  return new TextDecoder().decode(r.stdout);
}

/** `apt-get download` of the pinned version; a fresh machine may lack apt lists, so as root one `apt-get update` and retry. */
function download(deb: DebSource, dir: string): void {
  // Sandbox user root: the cache may live where apt's _apt user cannot write.
  const argv = ["apt-get", "download", "-o", "APT::Sandbox::User=root", `${deb.package}=${deb.version}`];
  try {
    run(argv, dir);
    return;
  } catch (e) {
    if (process.getuid?.() !== 0) throw hint(deb, e);
  }
  process.stdout.write(`${deb.package}=${deb.version}: not in the apt lists; running apt-get update once\n`);
  try {
    run(["apt-get", "update", "-qq"]);
    run(argv, dir);
  } catch (e) {
    throw hint(deb, e);
  }
}

function hint(deb: DebSource, e: unknown): Error {
  return new Error(
    `${deb.package}=${deb.version}: apt-get download failed (not in the apt lists, or superseded by a newer Debian point release: then change the version in runtime/locks/ and run fetch-artifacts --pin): ${(e as Error).message}`,
  );
}

/** The .deb of `deb`, downloaded into its own cache directory on first use; checks the control fields it carries. */
function fetchDeb(deb: DebSource): string {
  const dir = join(cacheDir, `${deb.package}=${deb.version}`);
  mkdirSync(dir, { recursive: true });
  let files = readdirSync(dir).filter((n) => n.endsWith(".deb"));
  if (files.length === 0) {
    download(deb, dir);
    files = readdirSync(dir).filter((n) => n.endsWith(".deb"));
  }
  if (files.length !== 1) throw new Error(`${dir}: expected one .deb, got ${files.length}`);
  const path = join(dir, files[0]!);
  const [pkg, version] = run(["dpkg-deb", "-f", path, "Package", "Version"])
    .trim()
    .split("\n")
    .map((l) => l.replace(/^\w+: /, ""));
  if (pkg !== deb.package || version !== deb.version) {
    throw new Error(`${path}: expected ${deb.package}=${deb.version}, got ${pkg}=${version}`);
  }
  return path;
}

/** The bytes of `deb.path` inside the package: a regular file, never a link out of the unpacked tree. */
function extract(debFile: string, deb: DebSource): Uint8Array {
  const tmp = mkdtempSync(join(tmpdir(), "contrast-deb-"));
  try {
    run(["dpkg-deb", "-x", debFile, tmp]);
    const p = join(tmp, deb.path);
    if (!existsSync(p) || !lstatSync(p).isFile()) {
      throw new Error(`${deb.package}=${deb.version}: expected a regular file at ${deb.path}, got none`);
    }
    return new Uint8Array(readFileSync(p));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

function place(dest: string, bytes: Uint8Array): void {
  mkdirSync(dirname(dest), { recursive: true });
  const tmp = `${dest}.tmp-${process.pid}`;
  writeFileSync(tmp, bytes, { mode: 0o644 });
  renameSync(tmp, dest);
}

interface LockDoc {
  platform: string;
  files: { role: string; source: string; installPath: string; integrity?: string }[];
}

function processLock(lockPath: string): boolean {
  const before = readFileSync(lockPath, "utf8");
  const lock = JSON.parse(before) as LockDoc;
  const id = parsePlatform(lock.platform).id;
  for (const [i, f] of lock.files.entries()) {
    if (!isDebSource(f.source)) continue;
    const field = `${lock.platform} files[${i}] (${f.role})`;
    const deb = parseDebSource(f.source, `${field}.source`);
    const dest = join(artifactsDir, debArtifactImagePath(id, f.installPath).replace(/^\/artifacts\//, ""));
    if (pin) {
      f.integrity = formatSri(computeSri(extract(fetchDeb(deb), deb), "sha384"));
      process.stdout.write(`pinned ${field}: ${f.integrity}\n`);
    }
    if (f.integrity === undefined)
      throw new Error(`${field}: no integrity in the lock; run with --pin to set it`);
    const want = parseSri(f.integrity, `${field}.integrity`);
    if (existsSync(dest) && !pin) {
      try {
        verifySri(want, computeSri(new Uint8Array(readFileSync(dest)), want.algorithm), field);
        process.stdout.write(`ok ${dest}\n`);
        continue;
      } catch {
        // A stale or corrupted copy: fetch again below.
      }
    }
    const bytes = extract(fetchDeb(deb), deb);
    verifySri(want, computeSri(bytes, want.algorithm), `${field}.integrity`);
    place(dest, bytes);
    process.stdout.write(`placed ${dest} (${f.integrity})\n`);
  }
  const after = `${JSON.stringify(lock, null, 2)}\n`;
  if (pin && after !== before) writeFileSync(lockPath, after);
  return after !== before;
}

try {
  const locks = join(runtimeDir, "locks");
  for (const name of readdirSync(locks)
    .filter((n) => n.endsWith(".lock.json"))
    .sort())
    processLock(join(locks, name));
} catch (e) {
  const code = e instanceof ContrastError ? ` (${e.code})` : "";
  process.stderr.write(`runtime-artifacts: ${(e as Error).message}${code}\n`);
  process.exit(1);
}
