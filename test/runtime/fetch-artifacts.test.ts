import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { computeSri, formatSri } from "../../src/common/sri.ts";

const REPO = join(import.meta.dir, "..", "..");
const SCRIPT = join(REPO, "runtime", "fetch-artifacts.ts");
const HAVE_DPKG = Bun.which("dpkg-deb") !== null;
if (!HAVE_DPKG) console.warn("skipping fetch-artifacts tests: dpkg-deb not found (apt-get install dpkg)");
const withDpkg = HAVE_DPKG ? test : test.skip;

const FW = new TextEncoder().encode("contrast test firmware\n".repeat(200));
const SOURCE = "deb:contrast-test-fw=1.0-1:/usr/share/fw/FW.fd";

let dir: string;
afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

/** A real .deb built by dpkg-deb, put into the script's cache so no download happens. */
function buildDeb(root: string, version: string): void {
  const tree = join(root, "pkgtree");
  mkdirSync(join(tree, "DEBIAN"), { recursive: true });
  mkdirSync(join(tree, "usr", "share", "fw"), { recursive: true });
  writeFileSync(
    join(tree, "DEBIAN", "control"),
    `Package: contrast-test-fw\nVersion: ${version}\nArchitecture: all\nMaintainer: test <t@example.com>\nDescription: test\n`,
  );
  writeFileSync(join(tree, "usr", "share", "fw", "FW.fd"), FW);
  const cache = join(root, "cache", "contrast-test-fw=1.0-1");
  mkdirSync(cache, { recursive: true });
  const r = Bun.spawnSync(["dpkg-deb", "--root-owner-group", "-b", tree, join(cache, "fw.deb")]);
  expect(r.exitCode).toBe(0);
}

function setup(integrity: string | undefined, version = "1.0-1"): { lockPath: string; placed: string } {
  dir = mkdtempSync(join(tmpdir(), "contrast-fetch-"));
  buildDeb(dir, version);
  const lock = {
    platform: "Metal-QEMU-SNP",
    files: [
      {
        role: "shim",
        source: "/artifacts/metal-qemu-snp/bin/shim",
        installPath: "bin/shim",
        executable: true,
      },
      { role: "firmware", source: SOURCE, installPath: "snp/share/OVMF.fd", executable: false, integrity },
    ],
  };
  mkdirSync(join(dir, "runtime", "locks"), { recursive: true });
  const lockPath = join(dir, "runtime", "locks", "metal-qemu-snp.lock.json");
  writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
  return { lockPath, placed: join(dir, "artifacts", "metal-qemu-snp", "snp", "share", "OVMF.fd") };
}

function fetchArtifacts(...extra: string[]) {
  const args = ["--runtime", join(dir, "runtime"), "--artifacts", join(dir, "artifacts")];
  return Bun.spawnSync([process.execPath, SCRIPT, ...args, "--cache", join(dir, "cache"), ...extra]);
}

describe("runtime/fetch-artifacts.ts", () => {
  withDpkg(
    "deb: entry with matching SRI → extracted file placed at the image path; rerun → ok, unchanged",
    () => {
      const { placed } = setup(formatSri(computeSri(FW, "sha384")));
      const first = fetchArtifacts();
      expect(first.exitCode).toBe(0);
      expect(new Uint8Array(readFileSync(placed))).toEqual(FW);
      const second = fetchArtifacts();
      expect(second.exitCode).toBe(0);
      expect(second.stdout.toString()).toStartWith("ok ");
    },
  );

  withDpkg("lock SRI of other bytes → exit 1 naming the entry, nothing placed", () => {
    const { placed } = setup(formatSri(computeSri("other", "sha384")));
    const r = fetchArtifacts();
    expect(r.exitCode).toBe(1);
    expect(r.stderr.toString()).toContain("(integrity_mismatch)");
    expect(existsSync(placed)).toBe(false);
  });

  withDpkg("no integrity → exit 1; --pin → sha384 of the extracted bytes written into the lock", () => {
    const { lockPath, placed } = setup(undefined);
    expect(fetchArtifacts().exitCode).toBe(1);
    expect(existsSync(placed)).toBe(false);
    expect(fetchArtifacts("--pin").exitCode).toBe(0);
    const lock = JSON.parse(readFileSync(lockPath, "utf8"));
    expect(lock.files[1].integrity).toBe(formatSri(computeSri(FW, "sha384")));
    expect(lock.files[0].integrity).toBeUndefined();
    expect(new Uint8Array(readFileSync(placed))).toEqual(FW);
  });

  withDpkg("cached .deb of another version → exit 1, nothing placed", () => {
    const { placed } = setup(formatSri(computeSri(FW, "sha384")), "1.0-2");
    const r = fetchArtifacts();
    expect(r.exitCode).toBe(1);
    expect(r.stderr.toString()).toContain("expected contrast-test-fw=1.0-1, got contrast-test-fw=1.0-2");
    expect(existsSync(placed)).toBe(false);
  });
});
