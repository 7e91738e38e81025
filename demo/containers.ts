// `make demo` on real containers: the product's own images under runc, one network namespace per pod, the sim TEE.
//
//   images → sim init → generate → network → Coordinator pod → set → server and client pods (Initializer, mesh
//   sidecar, app) → verify → traffic through the mesh → Coordinator restart → recover → old certificates still
//   verify, a new Initializer is admitted → clean up (or, with --keep, how to poke at it).
//
// Everything created on the host is in the run directory's ledger (demo/cleanup.ts) and undone at the end, on
// failure and on Ctrl-C; `make demo-clean DIR=<run dir>` finishes the job for a kept or killed run.

import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CleanupLedger, type UndoAction, undoCommand } from "./cleanup.ts";
import { exec, tail } from "./host.ts";
import { keepInstructions } from "./keep.ts";
import { ContainersUnavailable } from "./preflight.ts";
import { Report } from "./report.ts";
import { runSteps } from "./run-steps.ts";
import {
  type Cluster,
  type DemoContext,
  stepGenerate,
  stepImages,
  stepNetwork,
  stepSimTee,
} from "./setup-steps.ts";

export interface ContainerDemoOptions {
  readonly repo: string;
  readonly bin: string;
  readonly busybox: string;
  readonly keep: boolean;
}

/** A fresh run directory, its ledger, and the context the steps share. */
function newContext(o: ContainerDemoOptions, report: Report): { ctx: DemoContext; runDirAction: UndoAction } {
  // Not under /tmp: containers' root filesystems are mounted in here, and a sweep of /tmp must not reach into them.
  const runDir = mkdtempSync(join(process.env.DEMO_DIR ?? "/var/tmp", "contrast-demo-run-"));
  const ledger = new CleanupLedger(join(runDir, "cleanup.json"));
  // Removed last, and only after a run that passed: after a failure its logs say what went wrong.
  const runDirAction: UndoAction = { kind: "directory", path: runDir };
  ledger.record(runDirAction);
  const ws = join(runDir, "workspace");
  const cliLog = join(runDir, "logs", "cli.log");
  mkdirSync(join(runDir, "logs"), { recursive: true });
  mkdirSync(ws, { recursive: true });
  const cli = async (args: string[], expect = 0) => {
    const r = await exec([o.bin, ...args]);
    writeFileSync(cliLog, `$ contrast ${args.join(" ")}\n${r.stdout}${r.stderr}(exit ${r.code})\n\n`, {
      flag: "a",
    });
    if (r.code !== expect) {
      throw new Error(
        `contrast ${args[0]}: expected exit ${expect}, got ${r.code}\n${tail(r.stdout + r.stderr, 15)}`,
      );
    }
    return r;
  };
  const ctx: DemoContext = {
    repo: o.repo,
    bin: o.bin,
    busybox: o.busybox,
    runDir,
    ws,
    sim: join(runDir, "sim"),
    tag: randomBytes(3).toString("hex"),
    report,
    ledger,
    cli,
  };
  return { ctx, runDirAction };
}

/** Undoes everything in the ledger and reports it; `keepRunDir` leaves the logs and workspace for a look. */
async function cleanUp(ctx: DemoContext, runDirAction: UndoAction, keepRunDir: boolean): Promise<void> {
  ctx.report.step("clean up");
  if (keepRunDir) ctx.ledger.forget(runDirAction);
  const result = await ctx.ledger.undoAll(async (argv) => {
    const r = await exec(argv, { timeoutMs: 30_000 });
    return { code: r.code, stderr: r.stderr };
  });
  const counts = new Map<string, number>();
  for (const a of result.undone) counts.set(a.kind, (counts.get(a.kind) ?? 0) + 1);
  const kinds = ["container", "mount", "netns", "link", "directory"];
  ctx.report.ok(`undone: ${kinds.map((k) => `${k} ×${counts.get(k) ?? 0}`).join(", ")}`);
  for (const f of result.failed) ctx.report.fail(`${undoCommand(f.action).join(" ")}: ${f.error}`);
  if (result.failed.length > 0) ctx.report.note(`what is left: make demo-clean DIR=${ctx.runDir}`);
  if (keepRunDir) ctx.report.note(`logs and workspace kept in ${ctx.runDir}`);
}

/**
 * Runs the container demo; resolves with the exit code (0 passed, 1 failed, 130/143 interrupted). Throws
 * ContainersUnavailable when runc turns out not to work here, before anything else was set up.
 */
export async function runContainerDemo(o: ContainerDemoOptions): Promise<number> {
  const report = new Report();
  const { ctx, runDirAction } = newContext(o, report);
  let cleaning: Promise<void> | undefined;
  const cleanUpOnce = (keepRunDir: boolean) => {
    cleaning ??= cleanUp(ctx, runDirAction, keepRunDir);
    return cleaning;
  };
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) return report.line(`${signal}: still cleaning up, one moment`);
    stopping = true;
    report.line(`\n${signal}: stopping`);
    void cleanUpOnce(true).then(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  report.line("contrast demo on containers: runc, one network namespace per pod, the simulated TEE");
  report.line(`run directory ${ctx.runDir}\n`);
  let failed = false;
  let unavailable = false;
  let cluster: Cluster | undefined;
  try {
    const images = await stepImages(ctx);
    await stepSimTee(ctx);
    const pods = await stepGenerate(ctx, images);
    cluster = await stepNetwork(ctx, pods, images);
    await runSteps(ctx, cluster);
  } catch (e) {
    failed = true;
    if (e instanceof ContainersUnavailable) {
      unavailable = true;
      throw e;
    }
    if (stopping) return 130; // the signal handler cleans up and exits
    report.fail(e instanceof Error ? e.message : String(e));
    report.note(`logs: ${join(ctx.runDir, "logs")}`);
  } finally {
    if (unavailable) await cleanUpOnce(false);
    else if (stopping || !o.keep) await cleanUpOnce(failed || stopping);
    else if (cluster !== undefined) report.line(`\n${keepInstructions(cluster, ctx, ctx.ledger.pending())}`);
    else
      report.line(
        `\n--keep: nothing was started yet; make demo-clean DIR=${ctx.runDir} removes what is there`,
      );
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  report.line(
    failed ? `\ndemo FAILED after ${report.elapsed()} s` : `\ndemo complete in ${report.elapsed()} s`,
  );
  return failed ? 1 : 0;
}
