// A lost reply to the first `set` (issue 15 §2): the seed shares exist only in that reply. The Coordinator stores
// them with its history, and `set`, `recover` and `contrast seed-shares` fetch them again from the attested
// Coordinator; every command that finds the workspace without them says so loudly.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { seededRandom } from "../support/seeded-random.ts";
import { CONTRAST, Deployment, report } from "./harness.ts";

let d: Deployment;
const LOST = ["seed-shares.json", "coordinator-root-ca.pem", "mesh-ca.pem"];
let shares = "";

/** What a user whose reply to `set` never arrived has: the workspace without the deployment files. */
function loseReply(): void {
  for (const f of LOST) rmSync(join(d.ws, f), { force: true });
}

beforeAll(async () => {
  d = await Deployment.running("lost-reply");
  shares = readFileSync(join(d.ws, "seed-shares.json"), "utf8");
  loseReply();
}, 120_000);

afterAll(async () => {
  await d?.dispose();
});

describe("lost reply to the first set", () => {
  test("set again → 'manifest already set', shares and CA files fetched loudly, no second transition", async () => {
    const r = await d.cli("set");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("manifest already set");
    expect(r.stderr).toContain("!! this workspace had no seed shares");
    expect(readFileSync(join(d.ws, "seed-shares.json"), "utf8")).toBe(shares);
    for (const f of LOST) expect(existsSync(join(d.ws, f))).toBe(true);
    expect((await d.attest()).manifests.length).toBe(1);
  }, 60_000);

  test("verify with the workspace lacking shares → succeeds and says so loudly", async () => {
    rmSync(join(d.ws, "seed-shares.json"));
    const r = await d.cli("verify");
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("but this deployment has seed shares");
  }, 60_000);

  test("contrast seed-shares → the stored document, byte for byte; run again → 'already holds'", async () => {
    const r = await d.cli("seed-shares");
    expect(r.code).toBe(0);
    expect(readFileSync(join(d.ws, "seed-shares.json"), "utf8")).toBe(shares);
    const again = await d.cli("seed-shares");
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("already holds");
  }, 60_000);

  test("restart, workspace without shares → recover fetches them from the stored history and unlocks", async () => {
    loseReply();
    await d.kill();
    await d.start();
    const r = await d.cli("recover");
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("!! this workspace had no seed shares");
    expect(readFileSync(join(d.ws, "seed-shares.json"), "utf8")).toBe(shares);
    expect(await d.readiness()).toBe(200);
  }, 60_000);
});

describe("SIGKILL during the first set", () => {
  test("10 kills at random moments (seed 15) → each restart is empty (set again) or recoverable with fetched shares", async () => {
    const rng = seededRandom(15);
    const outcomes = { swept: 0, recoveredWithFetchedShares: 0, completed: 0 };
    for (let i = 0; i < 10; i++) {
      await d.kill();
      d.stateDir = join(d.root, `state-first-${i}`);
      loseReply();
      await d.start();
      const set = Bun.spawn([...CONTRAST, "set", `-c=${d.user}`, `--workspace-dir=${d.ws}`], {
        stdout: "ignore",
        stderr: "ignore",
      });
      // The CLI process starts, attests and sets within about half a second: kill both somewhere in there.
      await Bun.sleep(150 + rng() * 450);
      await d.kill();
      set.kill("SIGKILL");
      await set.exited;
      await d.start();
      const c = await d.attest();
      if (c.phase === "uninitialized") {
        outcomes.swept++;
        loseReply();
        expect((await d.cli("set")).code).toBe(0);
      } else {
        expect(c.phase).toBe("recovery");
        if (existsSync(join(d.ws, "seed-shares.json"))) outcomes.completed++;
        else outcomes.recoveredWithFetchedShares++;
        const rec = await d.cli("recover");
        expect(rec.code).toBe(0);
      }
      expect(await d.readiness()).toBe(200);
    }
    report("first-set-crash", { iterations: 10, ...outcomes });
  }, 300_000);
});
