// Disk faults (issue 15 §2) against a Coordinator process: a full state filesystem (a 200 KiB tmpfs) and a read-only
// one answer `set` with storage_unavailable (CLI exit 6 naming ENOSPC/EROFS) while pods are still served; damaged
// history files refuse the start naming the file; a lost root-ca.pem comes back byte for byte.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import {
  closeSync,
  cpSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { CONTRAST, Deployment, report } from "./harness.ts";

let d: Deployment;
let mountPoint = "";
/** Why the tmpfs tests cannot run here, or "" when they can. */
let noMount = "";
/** The manifest the Coordinator holds now (the workspace's manifest.json is edited by the tests). */
let setText = "";

function sh(cmd: string[]): { ok: boolean; err: string } {
  const r = Bun.spawnSync(cmd, { stderr: "pipe" });
  return { ok: r.exitCode === 0, err: String(r.stderr).trim() };
}

/** Names and contents of the state dir's files (the filler excluded). */
function fingerprint(dir: string): string {
  const h = createHash("sha256");
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const p = join(e.parentPath, e.name);
    if (e.isFile()) h.update(p).update(readFileSync(p));
  }
  return h.digest("hex");
}

async function initializer(out: string) {
  const p = Bun.spawn([...CONTRAST, ...d.initializerArgs(out, "30s")], {
    env: { ...process.env, COORDINATOR_HOST: d.mesh, CONTRAST_LOG_LEVEL: "error" },
    stdout: "ignore",
  });
  return p.exited;
}

beforeAll(async () => {
  d = await Deployment.create("disk");
  mountPoint = join(d.root, "volume");
  mkdirSync(mountPoint);
  const m = sh(["mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", mountPoint]);
  if (!m.ok) {
    noMount = `mount -t tmpfs failed (${m.err || "not permitted"}): the full and read-only filesystem cases are skipped`;
    process.stdout.write(`HARD disk-faults skipped: ${noMount}\n`);
  }
  d.stateDir = join(noMount ? d.root : mountPoint, "state");
  await d.start();
  expect((await d.cli("set")).code).toBe(0);
  setText = d.manifestText();
}, 120_000);

afterAll(async () => {
  await d?.kill();
  if (!noMount) sh(["umount", "-l", mountPoint]);
  await d?.dispose();
});

describe("full state filesystem (200 KiB tmpfs)", () => {
  test.skipIf(noMount !== "")(
    "set → exit 6 naming ENOSPC, state unchanged, pods still served; space back → set works",
    async () => {
      const before = fingerprint(d.stateDir);
      const filler = join(mountPoint, "filler");
      const fd = openSync(filler, "w");
      const chunk = new Uint8Array(4096);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (e) {
        expect((e as { code?: string }).code).toBe("ENOSPC");
      } finally {
        closeSync(fd);
      }
      d.writeManifest(d.manifestText(1));
      const r = await d.cli("set");
      expect(r.code).toBe(6);
      expect(r.stderr).toContain("storage_unavailable");
      expect(r.stderr).toContain("ENOSPC");
      expect(fingerprint(d.stateDir)).toBe(before);
      expect(await initializer(join(d.root, "pod-full"))).toBe(0);
      expect(await d.readiness()).toBe(200);
      report("disk-full", {
        tmpfsKiB: 200,
        fillerKiB: Math.round(statSync(filler).size / 1024),
        setExit: r.code,
      });
      rmSync(filler);
      expect((await d.cli("set")).code).toBe(0);
      setText = d.manifestText(1);
    },
    120_000,
  );
});

describe("read-only state filesystem", () => {
  test.skipIf(noMount !== "")(
    "set → exit 6 naming EROFS; restart and recover on it; pods still served",
    async () => {
      const before = fingerprint(d.stateDir);
      expect(sh(["mount", "-o", "remount,ro", mountPoint]).ok).toBe(true);
      try {
        d.writeManifest(d.manifestText(2));
        const r = await d.cli("set");
        expect(r.code).toBe(6);
        expect(r.stderr).toContain("storage_unavailable");
        expect(r.stderr).toContain("EROFS");
        expect(await initializer(join(d.root, "pod-ro"))).toBe(0);
        await d.kill();
        await d.start();
        d.writeManifest(setText);
        expect((await d.cli("recover")).code).toBe(0);
        expect(await initializer(join(d.root, "pod-ro-2"))).toBe(0);
        expect(fingerprint(d.stateDir)).toBe(before);
        report("disk-readonly", { setExit: r.code, restartedAndRecovered: true });
      } finally {
        sh(["mount", "-o", "remount,rw", mountPoint]);
        d.writeManifest(setText);
      }
    },
    120_000,
  );
});

describe("damaged history files (Coordinator process)", () => {
  const cases: [string, string, (p: string) => void][] = [
    ["manifest", "truncated", (p) => truncateSync(p, 10)],
    ["policy", "bit-flipped", (p) => flip(p)],
    ["policy", "deleted", (p) => rmSync(p)],
    ["transition", "deleted", (p) => rmSync(p)],
    ["signature", "bit-flipped", (p) => flip(p, -1)],
    ["latest", "truncated", (p) => truncateSync(p, 20)],
  ];
  for (const [file, how, damage] of cases) {
    test(`${file} ${how} → the Coordinator refuses to start (exit 4, history_corrupt naming the file)`, async () => {
      const copy = join(d.root, `damaged-${file}-${how}`);
      cpSync(d.stateDir, copy, { recursive: true });
      const path = pick(copy, file);
      damage(path);
      const r = await d.startOutcome(copy);
      expect(r.started).toBe(false);
      expect(r.code).toBe(4);
      expect(r.stderr).toContain("history_corrupt");
      const name = file === "latest" ? "transitions/" : path.slice(join(copy, "history").length + 1);
      expect(r.stderr).toContain(name);
      rmSync(copy, { recursive: true, force: true });
    }, 60_000);
  }

  test("root-ca.pem deleted → restart and recover write it back byte for byte", async () => {
    const pem = readFileSync(join(d.ws, "coordinator-root-ca.pem"), "utf8");
    await d.kill();
    rmSync(join(d.stateDir, "root-ca.pem"));
    await d.start();
    const r = await d.cli("recover");
    expect(r.code).toBe(0);
    expect(readFileSync(join(d.stateDir, "root-ca.pem"), "utf8")).toBe(pem);
    expect((await d.attest()).rootCA).toBe(pem);
  }, 60_000);
});

/** The newest entry of a kind (or latest) in a copied state dir. */
function pick(stateDir: string, file: string): string {
  const h = join(stateDir, "history");
  const newest = (kind: string) => {
    const names = readdirSync(join(h, kind)).filter((n) => /^[0-9a-f]{64}$/.test(n));
    return join(
      h,
      kind,
      names.sort((a, b) => statSync(join(h, kind, b)).mtimeMs - statSync(join(h, kind, a)).mtimeMs)[0]!,
    );
  };
  if (file === "latest") return join(h, "transitions", "latest");
  return newest(
    { manifest: "manifests", policy: "policies", transition: "transitions", signature: "signatures" }[file]!,
  );
}

function flip(path: string, at = 3): void {
  const b = readFileSync(path);
  const i = at < 0 ? b.length + at : at;
  b[i] = b[i]! ^ 0x01;
  writeFileSync(path, b);
}
