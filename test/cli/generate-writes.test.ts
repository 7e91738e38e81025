// PendingWrites, the write phase of `generate`: every file atomic and durable, one directory fsync per directory.

import { afterEach, describe, expect, spyOn, test } from "bun:test";
import * as fs from "node:fs";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PendingWrites } from "../../src/cli/workspace.ts";

const spies: { mockRestore(): void }[] = [];
afterEach(() => {
  for (const s of spies.splice(0)) s.mockRestore();
});

/** Counts fsyncs of directories and of files while `body` runs. */
function countFsyncs(body: () => void): { dirs: string[]; files: number } {
  const dirs: string[] = [];
  let files = 0;
  const real = fs.fsyncSync;
  const spy = spyOn(fs, "fsyncSync").mockImplementation((fd: number) => {
    if (fs.fstatSync(fd).isDirectory()) dirs.push(fs.readlinkSync(`/proc/self/fd/${fd}`));
    else files++;
    real(fd);
  });
  spies.push(spy);
  body();
  return { dirs, files };
}

describe("PendingWrites.commit", () => {
  test("200 files in one new directory and 2 in another → 202 file fsyncs, each directory fsynced once after its renames", () => {
    const ws = mkdtempSync(join(tmpdir(), "contrast-writes-"));
    const writes = new PendingWrites();
    for (let i = 0; i < 200; i++)
      writes.add({
        path: join(ws, "policies", `${i}.toml`),
        data: () => new TextEncoder().encode(`p${i}\n`),
      });
    writes.add({ path: join(ws, "a.yaml"), data: "a: 1\n" });
    writes.add({ path: join(ws, "manifest.json"), data: "{}\n" });
    const { dirs, files } = countFsyncs(() => writes.commit());
    expect(files).toBe(202);
    // policies/ once (its renames), ws once for its files and once for the new policies/ entry in it.
    expect(dirs.filter((d) => d === join(ws, "policies")).length).toBe(1);
    expect(dirs.filter((d) => d === ws).length).toBeLessThanOrEqual(2);
    expect(dirs.length).toBeLessThanOrEqual(3);
    expect(readdirSync(join(ws, "policies")).length).toBe(200);
    expect(readdirSync(join(ws, "policies")).some((n) => n.endsWith(".tmp"))).toBe(false);
    expect(readFileSync(join(ws, "policies", "7.toml"), "utf8")).toBe("p7\n");
  });

  test("content given as a function → made when written, the same bytes as given directly", () => {
    const ws = mkdtempSync(join(tmpdir(), "contrast-writes-"));
    const writes = new PendingWrites();
    let made = 0;
    writes.add({
      path: join(ws, "x.toml"),
      data: () => {
        made++;
        return "x = 1\n";
      },
    });
    expect(made).toBe(0);
    expect(writes.commit()).toEqual([join(ws, "x.toml")]);
    expect(made).toBe(1);
    expect(readFileSync(join(ws, "x.toml"), "utf8")).toBe("x = 1\n");
    // A second commit of the same content changes nothing.
    expect(writes.commit()).toEqual([]);
  });
});
