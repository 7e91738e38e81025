import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { alreadyGone, CleanupLedger, type UndoAction, undoCommand } from "../../demo/cleanup.ts";
import { tempDir } from "../support/harness.ts";

// In the order a demo creates them.
const CREATED: UndoAction[] = [
  { kind: "directory", path: "/var/tmp/run" },
  { kind: "netns", name: "ctd-t-node" },
  { kind: "link", name: "ctdt" },
  { kind: "netns", name: "ctd-t-server" },
  { kind: "mount", path: "/var/tmp/run/containers/c1/rootfs" },
  { kind: "container", id: "c1" },
];

/** A runner that records what it ran and answers per command. */
function fakeRunner(
  answer: (argv: readonly string[]) => { code: number; stderr: string } = () => ({ code: 0, stderr: "" }),
) {
  const ran: string[] = [];
  return {
    ran,
    run: async (argv: readonly string[]) => {
      ran.push(argv.join(" "));
      return answer(argv);
    },
  };
}

describe("CleanupLedger.undoAll", () => {
  test("everything → undone newest first: container, then its mount, then namespaces and link, the run dir last", async () => {
    const ledger = new CleanupLedger();
    for (const a of CREATED) ledger.record(a);
    const r = fakeRunner();
    const result = await ledger.undoAll(r.run);
    expect(r.ran).toEqual([
      "runc delete --force c1",
      "umount /var/tmp/run/containers/c1/rootfs",
      "ip netns delete ctd-t-server",
      "ip link delete ctdt",
      "ip netns delete ctd-t-node",
      "rm -rf --one-file-system /var/tmp/run",
    ]);
    expect(result.undone).toHaveLength(6);
    expect(result.failed).toEqual([]);
    expect(ledger.pending()).toEqual([]);
  });

  test("one undo fails → the rest still run; only the failed one stays, and a rerun retries exactly it", async () => {
    const ledger = new CleanupLedger();
    for (const a of CREATED) ledger.record(a);
    const busy = fakeRunner((argv) =>
      argv[0] === "umount" ? { code: 32, stderr: "umount: target is busy." } : { code: 0, stderr: "" },
    );
    const first = await ledger.undoAll(busy.run);
    expect(busy.ran).toHaveLength(6);
    expect(first.failed).toEqual([{ action: CREATED[4]!, error: "umount: target is busy." }]);
    expect(ledger.pending()).toEqual([CREATED[4]!]);
    const again = fakeRunner();
    await ledger.undoAll(again.run);
    expect(again.ran).toEqual(["umount /var/tmp/run/containers/c1/rootfs"]);
    expect(ledger.pending()).toEqual([]);
  });

  test("a runner that throws → reported as failed, the rest still run", async () => {
    const ledger = new CleanupLedger();
    for (const a of CREATED.slice(0, 3)) ledger.record(a);
    const result = await ledger.undoAll(async (argv) => {
      if (argv[0] === "ip" && argv[1] === "link") throw new Error("spawn ip ENOENT");
      return { code: 0, stderr: "" };
    });
    expect(result.failed.map((f) => f.error)).toEqual(["spawn ip ENOENT"]);
    expect(result.undone).toHaveLength(2);
  });

  test("things already gone (peer link deleted with its namespace, container never started) → counted as undone", async () => {
    const ledger = new CleanupLedger();
    ledger.record({ kind: "link", name: "ctdt" });
    ledger.record({ kind: "container", id: "never" });
    const result = await ledger.undoAll(
      fakeRunner((argv) =>
        argv[0] === "runc"
          ? { code: 1, stderr: 'container "never" does not exist' }
          : { code: 1, stderr: 'Cannot find device "ctdt"' },
      ).run,
    );
    expect(result.failed).toEqual([]);
    expect(result.undone).toHaveLength(2);
  });

  test("undoAll twice → the second runs nothing", async () => {
    const ledger = new CleanupLedger();
    for (const a of CREATED) ledger.record(a);
    await ledger.undoAll(fakeRunner().run);
    const second = fakeRunner();
    expect((await ledger.undoAll(second.run)).undone).toEqual([]);
    expect(second.ran).toEqual([]);
  });
});

describe("CleanupLedger.record / forget", () => {
  test("the same thing recorded twice → undone once", async () => {
    const ledger = new CleanupLedger();
    ledger.record(CREATED[5]!);
    ledger.record(CREATED[5]!);
    const r = fakeRunner();
    await ledger.undoAll(r.run);
    expect(r.ran).toEqual(["runc delete --force c1"]);
  });

  test("forget (the flow undid it itself) → not undone again", async () => {
    const ledger = new CleanupLedger();
    for (const a of CREATED) ledger.record(a);
    ledger.forget(CREATED[5]!);
    ledger.forget(CREATED[4]!);
    const r = fakeRunner();
    await ledger.undoAll(r.run);
    expect(r.ran).not.toContain("runc delete --force c1");
    expect(r.ran).toHaveLength(4);
  });
});

describe("CleanupLedger.load", () => {
  test("a ledger file left by a killed run → the same pending actions, undone by another process", async () => {
    const dir = tempDir("ledger");
    const file = join(dir, "cleanup.json");
    const first = new CleanupLedger(file);
    for (const a of CREATED) first.record(a);
    const loaded = CleanupLedger.load(file);
    expect(loaded.pending()).toEqual(first.pending());
    await loaded.undoAll(
      fakeRunner((argv) => (argv[0] === "umount" ? { code: 32, stderr: "busy" } : { code: 0, stderr: "" }))
        .run,
    );
    // What failed is what the file still lists.
    expect(JSON.parse(readFileSync(file, "utf8")).actions).toEqual([CREATED[4]]);
    rmSync(dir, { recursive: true, force: true });
  });

  test("the ledger's own directory removed by its last action → no error, nothing rewritten", async () => {
    const dir = tempDir("ledger");
    const ledger = new CleanupLedger(join(dir, "cleanup.json"));
    ledger.record({ kind: "directory", path: dir });
    const result = await ledger.undoAll(async () => {
      rmSync(dir, { recursive: true, force: true });
      return { code: 0, stderr: "" };
    });
    expect(result.failed).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  });

  test("no file → an empty ledger", () => {
    expect(CleanupLedger.load(join(tempDir("ledger"), "none.json")).pending()).toEqual([]);
  });
});

describe("undoCommand", () => {
  test.each([
    [{ kind: "container", id: "c1" }, ["runc", "delete", "--force", "c1"]],
    [{ kind: "mount", path: "/r/rootfs" }, ["umount", "/r/rootfs"]],
    [{ kind: "netns", name: "ctd-t-a" }, ["ip", "netns", "delete", "ctd-t-a"]],
    [{ kind: "link", name: "ctdt" }, ["ip", "link", "delete", "ctdt"]],
    // --one-file-system: never into a mount that is still there (a container's root filesystem).
    [{ kind: "directory", path: "/var/tmp/r" }, ["rm", "-rf", "--one-file-system", "/var/tmp/r"]],
  ] as [UndoAction, string[]][])("%j → %j", (a, argv) => {
    expect(undoCommand(a)).toEqual(argv);
  });
});

describe("alreadyGone", () => {
  test("a failed rm of a directory → never taken as gone", () => {
    expect(alreadyGone({ kind: "directory", path: "/x" }, "No such file or directory")).toBe(false);
  });

  test("a busy mount → not gone", () => {
    expect(alreadyGone({ kind: "mount", path: "/x" }, "umount: /x: target is busy.")).toBe(false);
  });
});
