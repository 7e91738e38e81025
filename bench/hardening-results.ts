// Renders the `## Hardening` section of bench/RESULTS.md from the figures `make test-hard HARD_RESULTS=FILE` wrote
// (one `HARD <name> {json}` line per test): `bun bench/hardening-results.ts FILE > section.md`.

import { readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";

const file = process.argv[2];
if (!file) {
  process.stderr.write("usage: bun bench/hardening-results.ts HARD_RESULTS_FILE\n");
  process.exit(2);
}
const figures = new Map<string, Record<string, unknown>>();
for (const line of readFileSync(file, "utf8").split("\n")) {
  const m = /^HARD (\S+) (\{.*\})$/.exec(line);
  if (m) figures.set(m[1]!, JSON.parse(m[2]!));
}
const f = (name: string) => figures.get(name) ?? {};
const commit = Bun.spawnSync(["git", "rev-parse", "--short=12", "HEAD"]).stdout.toString().trim();
const out: string[] = [];
const row = (what: string, value: unknown) => out.push(`| ${what} | ${value} |`);

out.push("## Hardening", "");
out.push(
  `Machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Bun ${Bun.version}. ` +
    `Date: ${new Date().toISOString().slice(0, 10)}. Commit: ${commit}. From \`make test-hard\` (test/hard/), each figure ` +
    "printed by the test that asserts it.",
  "",
);
const crash = f("crash");
out.push(
  "| crash consistency (SIGKILL during owner-signed updates and certificate issuance) | |",
  "| --- | --- |",
);
row("iterations, seed", `${crash.iterations}, ${crash.seed}`);
row(
  "acknowledged before the kill / persisted but unacknowledged / neither",
  `${crash.ackedBeforeKill} / ${crash.persistedUnacked} / ${crash.unackedNotPersisted}`,
);
row(
  "acknowledged updates lost, forks, root CA or secret changed, half-written files",
  "0 (asserted every iteration)",
);
row("iterations whose restart swept an interrupted write", crash.itersWithSweep);
row(
  "restart p50 / p99 (history of up to " + crash.historyLength + " manifests verified at start)",
  `${crash.restartP50Ms} / ${crash.restartP99Ms} ms`,
);
row(
  "first set killed (10 runs): swept and set again / completed",
  `${f("first-set-crash").swept} / ${f("first-set-crash").completed}`,
);
out.push("");
const load = f("load");
out.push("| load and limits | |", "| --- | --- |");
row(
  `${load.initializers} Initializer processes, ${load.concurrency} at a time`,
  `${load.errors} errors, ${load.perSecond}/s, p50 ${load.p50Ms} ms, p99 ${load.p99Ms} ms`,
);
row("Coordinator RSS before → after", `${load.rssBeforeMiB} → ${load.rssAfterMiB} MiB`);
row("Coordinator open fds before → after", `${load.fdsBefore} → ${load.fdsAfter}`);
const sl = f("slowloris");
row(
  `${sl.idleTcp} idle TCP + ${sl.tricklingTls} trickling TLS connections`,
  `Initializer ${sl.initializerBaselineMs} ms before, ${sl.initializerUnderAttackMs} ms during; all closed by the server within ${Math.round(Number(sl.allClosedByServerWithinMs) / 100) / 10} s; fds ${sl.coordinatorFdsBefore} → ${sl.coordinatorFdsDuring} → ${sl.coordinatorFdsAfter}`,
);
const soak = f("soak");
row(
  `soak: ${soak.targetPerSecond} admissions/s for ${soak.seconds} s`,
  `${soak.admissions} admitted, ${soak.errors} errors, p50 ${soak.p50Ms} ms, p99 ${soak.p99Ms} ms`,
);
row(
  "soak RSS start / min / max / end, slope after warm-up",
  `${soak.rssStartMiB} / ${soak.rssMinMiB} / ${soak.rssMaxMiB} / ${soak.rssEndMiB} MiB, ${soak.rssSlopeMiBPerMin} MiB/min`,
);
out.push("");
out.push("| faults and bad input | |", "| --- | --- |");
row(
  "state volume full (200 KiB tmpfs) / read-only",
  `set exit ${f("disk-full").setExit} (ENOSPC) / exit ${f("disk-readonly").setExit} (EROFS); pods served; state unchanged`,
);
const fh = f("fuzz-http");
row(
  `HTTP fuzzing: ${fh.cases} cases × 2 (seed ${fh.seed}), ${fh.kinds} kinds`,
  `0 answers 500, ${fh.unstable} unstable; ${Object.entries((fh.answers ?? {}) as Record<string, number>)
    .map(([k, v]) => `${k}: ${v}`)
    .join(", ")}`,
);
const fc = f("fuzz-cli");
row(
  `CLI fuzzing: ${fc.casesPerKind} cases per input kind (seed ${fc.seed})`,
  Object.entries((fc.exitCodes ?? {}) as Record<string, number>)
    .map(([k, v]) => `${k}: ${v}`)
    .join(", "),
);
const sec = f("security");
row(
  "security properties (each refused)",
  Object.entries(sec)
    .map(([k, v]) => `${k}: ${v}`)
    .join("; "),
);
process.stdout.write(`${out.join("\n")}\n`);
