// Issue 10 §2 end to end with real processes: the administrator rolls the state volume back or deletes `latest`,
// or points `set` at an empty Coordinator; the CLI refuses before the seed or the workspace files are at risk.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type CoordinatorPorts,
  contrast,
  freePort,
  policyDocument,
  simCoordinatorArgs,
  spawnContrast,
  tempDir,
  waitForHttp,
} from "../support/harness.ts";

const root = tempDir("rollback");
const sim = join(root, "sim");
const ws = join(root, "ws");
const state = join(root, "state");
const latest = join(state, "history", "transitions", "latest");
let ports: CoordinatorPorts;
let coordinator: ReturnType<typeof spawnContrast> | undefined;
let coordinatorDigest = "";
let first = "";
let second = "";

function coordinatorArgs(stateDir: string, p: CoordinatorPorts): string[] {
  return simCoordinatorArgs({ simDir: sim, hostData: coordinatorDigest, stateDir, ports: p });
}

async function restart(): Promise<void> {
  coordinator?.kill(9);
  await coordinator?.exited;
  coordinator = spawnContrast(coordinatorArgs(state, ports), { CONTRAST_LOG_LEVEL: "error" });
  await waitForHttp(`http://127.0.0.1:${ports.probe}/probe/startup`);
}

const user = () => `-c=127.0.0.1:${ports.user}`;
const readiness = async () => (await fetch(`http://127.0.0.1:${ports.probe}/probe/readiness`)).status;

/** Names and contents of every file below `dir`. */
function files(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out[join(e.parentPath, e.name)] = readFileSync(join(e.parentPath, e.name), "latin1");
  }
  return out;
}

beforeAll(async () => {
  expect((await contrast(["sim", "init", `--dir=${sim}`])).code).toBe(0);
  const owner = await contrast(["keys", "new", "workload-owner", `-o=${join(ws, "workload-owner.pem")}`]);
  const seedOwner = await contrast([
    "keys",
    "new",
    "seedshare-owner",
    `-o=${join(ws, "seedshare-owner.pem")}`,
  ]);
  const coord = policyDocument(join(ws, "policies"), "coordinator");
  const web = policyDocument(join(ws, "policies"), "web");
  const banned = policyDocument(join(ws, "policies"), "banned");
  coordinatorDigest = coord.digest;
  const manifest = (withBanned: boolean) =>
    `${JSON.stringify(
      {
        Policies: {
          [coord.digest]: { SANs: ["coordinator"], Role: "coordinator" },
          [web.digest]: { SANs: ["web"] },
          ...(withBanned ? { [banned.digest]: { SANs: ["banned"] } } : {}),
        },
        ReferenceValues: JSON.parse(readFileSync(join(sim, "reference-values.json"), "utf8")),
        WorkloadOwnerPubKeys: [owner.stdout.trim()],
        SeedshareOwnerPubKeys: [seedOwner.stdout.trim()],
      },
      null,
      2,
    )}\n`;
  // The second manifest removes a policy the first admitted: rolling back to the first would admit it again.
  first = manifest(true);
  second = manifest(false);
  writeFileSync(join(ws, "first.json"), first);
  writeFileSync(join(ws, "manifest.json"), first);
  ports = { user: await freePort(), mesh: await freePort(), probe: await freePort() };
  await restart();
  expect((await contrast(["set", user(), `--workspace-dir=${ws}`])).code).toBe(0);
  copyFileSync(latest, join(root, "latest.first"));
  writeFileSync(join(ws, "manifest.json"), second);
  expect((await contrast(["set", user(), `--workspace-dir=${ws}`])).code).toBe(0);
  copyFileSync(latest, join(root, "latest.second"));
  expect((await contrast(["verify", user(), `--workspace-dir=${ws}`])).code).toBe(0);
}, 120_000);

afterAll(() => {
  coordinator?.kill(9);
});

describe("rolled-back state volume", () => {
  test("older latest copied back → recover refuses (exit 5) before sending the seed; verify refuses and keeps verify/", async () => {
    copyFileSync(join(root, "latest.first"), latest);
    await restart();
    const audit = files(join(ws, "verify"));
    const r = await contrast(["recover", user(), `--workspace-dir=${ws}`]);
    expect(r.stderr).toContain("history_rollback");
    expect(r.code).toBe(5);
    expect(await readiness()).toBe(503); // still locked: the seed never left
    const v = await contrast(["verify", user(), `--workspace-dir=${ws}`]);
    expect(v.stderr).toContain("coordinator_needs_recovery");
    expect(v.code).toBe(6);
    expect(files(join(ws, "verify"))).toEqual(audit);
  }, 60_000);

  test("the right latest back → recover says the newest manifest is the workspace's and unlocks", async () => {
    copyFileSync(join(root, "latest.second"), latest);
    await restart();
    const r = await contrast(["recover", user(), `--workspace-dir=${ws}`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("newest manifest is");
    expect(await readiness()).toBe(200);
  }, 60_000);

  test("workspace still at the first manifest → recover says the newest descends from it and unlocks", async () => {
    await restart();
    const r = await contrast(["recover", user(), `--workspace-dir=${ws}`, `-m=${join(ws, "first.json")}`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("descends from");
    expect(r.stdout).toContain("1 signed update(s)");
  }, 60_000);

  test("latest deleted → the Coordinator refuses to start (history_corrupt), never starts empty", async () => {
    coordinator?.kill(9);
    await coordinator?.exited;
    rmSync(latest);
    const p = { user: await freePort(), mesh: await freePort(), probe: await freePort() };
    const r = await contrast(coordinatorArgs(state, p));
    expect(r.stderr).toContain("history_corrupt");
    expect(r.code).toBe(4);
    expect(existsSync(latest)).toBe(false);
    copyFileSync(join(root, "latest.second"), latest);
    coordinator = undefined;
  }, 60_000);
});

describe("set against a Coordinator without history", () => {
  test("workspace holds seed shares → exit 5, files unchanged; --force-new-deployment → old files moved aside", async () => {
    const p = { user: await freePort(), mesh: await freePort(), probe: await freePort() };
    const fresh = spawnContrast(coordinatorArgs(join(root, "state-fresh"), p), {
      CONTRAST_LOG_LEVEL: "error",
    });
    try {
      await waitForHttp(`http://127.0.0.1:${p.probe}/probe/startup`);
      const before = files(ws);
      const r = await contrast(["set", `-c=127.0.0.1:${p.user}`, `--workspace-dir=${ws}`]);
      expect(r.stderr).toContain("workspace_holds_deployment");
      expect(r.code).toBe(5);
      expect(files(ws)).toEqual(before);
      const forced = await contrast([
        "set",
        `-c=127.0.0.1:${p.user}`,
        `--workspace-dir=${ws}`,
        "--force-new-deployment",
      ]);
      expect(forced.code).toBe(0);
      const archive = readdirSync(ws).filter((n) => n.startsWith("previous-deployment-"));
      expect(archive.length).toBe(1);
      for (const f of ["seed-shares.json", "coordinator-root-ca.pem", "mesh-ca.pem"]) {
        expect(readFileSync(join(ws, archive[0]!, f), "latin1")).toBe(before[join(ws, f)]!);
        expect(readFileSync(join(ws, f), "latin1")).not.toBe(before[join(ws, f)]!);
      }
    } finally {
      fresh.kill(9);
    }
  }, 60_000);
});
