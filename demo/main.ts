// `make demo`: the container demo (demo/containers.ts) where runc and network namespaces work; elsewhere it says why
// and runs the process demo (demo/processes.ts) instead.
//
//   --keep, DEMO_KEEP=1   leave the containers running and print how to poke at them and how to clean up
//   --containers          the container demo or a failure, never the fallback (`make demo-containers`, CI)
//   --processes           the process demo only (`make demo-processes`)
//   --cleanup DIR         undo what a kept or killed run left, from DIR/cleanup.json (`make demo-clean DIR=…`)

import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { CleanupLedger, undoCommand } from "./cleanup.ts";
import { runContainerDemo } from "./containers.ts";
import { exec } from "./host.ts";
import { ContainersUnavailable, preflight } from "./preflight.ts";
import { runProcessDemo } from "./processes.ts";

const REPO = resolve(import.meta.dir, "..");
const BIN = join(REPO, "dist/contrast");

const USAGE = "usage: bun demo/main.ts [--keep] [--containers | --processes] | --cleanup DIR";

async function cleanupRun(dir: string): Promise<number> {
  const file = join(dir, "cleanup.json");
  if (!existsSync(file)) {
    console.error(`demo-clean: ${file} not found: expected the run directory a demo printed`);
    return 2;
  }
  const ledger = CleanupLedger.load(file);
  const result = await ledger.undoAll(async (argv) => {
    const r = await exec(argv, { timeoutMs: 30_000 });
    return { code: r.code, stderr: r.stderr };
  });
  for (const a of result.undone) console.log(`✓ ${undoCommand(a).join(" ")}`);
  for (const f of result.failed) console.log(`✗ ${undoCommand(f.action).join(" ")}: ${f.error}`);
  return result.failed.length === 0 ? 0 : 1;
}

async function fallBack(reasons: readonly string[]): Promise<number> {
  console.log("make demo: the container demo cannot run here:");
  for (const r of reasons) console.log(`  - ${r}`);
  console.log("running the process demo instead: the same product as plain processes on loopback");
  console.log("(`make demo-containers` fails instead of falling back)\n");
  await runProcessDemo(BIN);
  console.log("\nnote: this was the process demo; the container demo did not run (reasons above)");
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const flags = new Set(argv.filter((a) => a.startsWith("--")));
  const known = new Set(["--keep", "--containers", "--processes", "--cleanup"]);
  const unknown = [...flags].filter((f) => !known.has(f));
  if (unknown.length > 0 || (flags.has("--containers") && flags.has("--processes"))) {
    console.error(USAGE);
    return 2;
  }
  if (flags.has("--cleanup")) {
    const dir = argv[argv.indexOf("--cleanup") + 1];
    if (dir === undefined || dir.startsWith("--")) {
      console.error(USAGE);
      return 2;
    }
    return cleanupRun(dir);
  }
  if (!existsSync(BIN)) {
    console.error("demo: dist/contrast is missing: run make first");
    return 1;
  }
  if (flags.has("--processes")) {
    await runProcessDemo(BIN);
    return 0;
  }
  const keep = flags.has("--keep") || process.env.DEMO_KEEP === "1";
  const pre = await preflight();
  if (pre.reasons.length > 0) {
    if (flags.has("--containers")) {
      console.error(
        `demo: the container demo cannot run here:\n${pre.reasons.map((r) => `  - ${r}`).join("\n")}`,
      );
      return 1;
    }
    return fallBack(pre.reasons);
  }
  try {
    return await runContainerDemo({ repo: REPO, bin: BIN, busybox: pre.busybox!, keep });
  } catch (e) {
    if (!(e instanceof ContainersUnavailable) || flags.has("--containers")) throw e;
    return fallBack([e.message]);
  }
}

process.exit(await main(process.argv.slice(2)));
