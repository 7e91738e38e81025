// Runs every benchmark (bench/*.bench.ts), each in its own process, streams its output, and ends with every figure
// beside its baseline from the same run. `--results FILE` also writes FILE (bench/RESULTS.md) with the machine,
// date and commit.
//
//   bun run bench/run.ts [--results bench/RESULTS.md] [name …]     (names filter: `admissions rego`)
//
// A benchmark reports its figures with bench/lib/report.ts; one whose script reports none is still run, and its
// output goes into the results file as it is. To add one, add bench/<name>.bench.ts.

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, tmpdir, totalmem } from "node:os";
import { basename, join } from "node:path";
import { formatFigures, formatNumber, ratioOf, type SectionRecord } from "./lib/report.ts";

interface BenchRun {
  readonly file: string;
  readonly output: string;
  readonly sections: SectionRecord[];
  readonly exitCode: number;
  readonly seconds: number;
}

const args = process.argv.slice(2);
const resultsAt = args.indexOf("--results");
const resultsFile = resultsAt >= 0 ? args[resultsAt + 1] : undefined;
if (resultsAt >= 0 && resultsFile === undefined) throw new Error("--results: expected a file name");
const filters = args.filter((_, i) => i !== resultsAt && i !== resultsAt + 1);

const dir = import.meta.dir;
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => filters.length === 0 || filters.some((n) => f.startsWith(n)))
  .sort();
if (files.length === 0) throw new Error(`no benchmark matches ${filters.join(", ")}`);

const machine = describeMachine();
const runs: BenchRun[] = [];
for (const f of files) runs.push(await runBench(f));

console.log("\n== summary: every figure beside its baseline from the same run (ratio = figure / baseline)");
for (const r of runs) {
  for (const s of r.sections) {
    console.log(`\n${s.section} (bench/${r.file})`);
    for (const line of formatFigures(s.figures)) console.log(`  ${line}`);
  }
  if (r.exitCode !== 0) console.log(`\nbench/${r.file} FAILED with exit code ${r.exitCode}`);
}
if (resultsFile !== undefined) {
  // The `## Hardening` section is written by `make test-hard` (bench/hardening-results.ts): keep it as it is.
  const previous = existsSync(resultsFile) ? readFileSync(resultsFile, "utf8") : "";
  const hardening = previous.indexOf("\n## Hardening");
  const kept = hardening < 0 ? "" : `\n${previous.slice(hardening + 1)}`;
  writeFileSync(resultsFile, renderResults(runs, machine) + kept);
  console.log(`\nwrote ${resultsFile}`);
}
process.exit(runs.some((r) => r.exitCode !== 0) ? 1 : 0);

async function runBench(file: string): Promise<BenchRun> {
  console.log(`\n== bench/${file}`);
  const tmp = mkdtempSync(join(tmpdir(), "contrast-bench-"));
  const out = join(tmp, "figures.jsonl");
  writeFileSync(out, "");
  const t0 = performance.now();
  const proc = Bun.spawn([process.execPath, "run", join(dir, file)], {
    stdout: "pipe",
    stderr: "inherit",
    env: { ...process.env, BENCH_OUT: out },
  });
  let output = "";
  const decoder = new TextDecoder();
  for await (const chunk of proc.stdout) {
    const text = decoder.decode(chunk, { stream: true });
    output += text;
    process.stdout.write(text);
  }
  const exitCode = await proc.exited;
  const sections = readFileSync(out, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as SectionRecord);
  rmSync(tmp, { recursive: true, force: true });
  return { file, output, sections, exitCode, seconds: (performance.now() - t0) / 1000 };
}

interface Machine {
  readonly date: string;
  readonly commit: string;
  readonly cpu: string;
  readonly runtime: string;
  readonly load: string;
}

function describeMachine(): Machine {
  const git = (...a: string[]) => spawnSync("git", a, { cwd: dir, encoding: "utf8" }).stdout?.trim() ?? "";
  const dirty = git("status", "--porcelain", "--untracked-files=no") !== "";
  const model = /model name\s*:\s*(.+)/.exec(safeRead("/proc/cpuinfo"))?.[1] ?? "unknown cpu";
  const go = spawnSync("go", ["version"], { encoding: "utf8" })
    .stdout?.trim()
    .replace(/^go version /, "");
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    commit: `${git("rev-parse", "--short=12", "HEAD") || "unknown"}${dirty ? " (with uncommitted changes)" : ""}`,
    cpu: `${model}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Linux ${release()}`,
    runtime: `Bun ${Bun.version}${go ? `, Go ${go}` : ", Go not installed"}`,
    load: loadavg()
      .map((l) => l.toFixed(2))
      .join(" "),
  };
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function renderResults(runs: readonly BenchRun[], m: Machine): string {
  const lines = [
    "# Benchmark results",
    "",
    "Written by `make bench-results` (bench/run.ts): every benchmark in bench/ ran once, each figure beside a baseline",
    "measured in the same run; ratio = figure / baseline. Do not edit by hand.",
    "",
    `- date: ${m.date}`,
    `- commit: ${m.commit}`,
    `- machine: ${m.cpu}`,
    `- runtime: ${m.runtime}`,
    `- load average when the run started: ${m.load} (the machine is shared; figures move with its load)`,
    "",
  ];
  for (const r of runs) {
    const name = basename(r.file, ".bench.ts");
    lines.push(
      `## ${name}`,
      "",
      `\`bench/${r.file}\`, ${r.seconds.toFixed(0)} s${r.exitCode ? `, FAILED (exit ${r.exitCode})` : ""}`,
      "",
    );
    for (const s of r.sections) {
      if (r.sections.length > 1 || s.section !== name) lines.push(`### ${s.section}`, "");
      lines.push(
        "| figure | value | baseline (same run) | ratio | target |",
        "| --- | ---: | --- | ---: | --- |",
      );
      for (const f of s.figures) {
        const ratio = ratioOf(f);
        const target =
          f.target === undefined ? "" : `${f.target}${f.met === undefined ? "" : f.met ? " ✓" : " ✗"}`;
        const base =
          f.baseline === undefined ? "" : `${formatNumber(f.baseline.value)} ${f.unit} (${f.baseline.name})`;
        lines.push(
          `| ${f.name} | ${formatNumber(f.value)} ${f.unit} | ${base} | ${ratio === undefined ? "" : `${ratio.toFixed(2)}×`} | ${target} |`,
        );
      }
      for (const n of s.notes) lines.push("", `${n}`);
      lines.push("");
    }
    if (r.sections.length === 0) lines.push("```", r.output.trim(), "```", "");
  }
  return `${lines.join("\n")}\n`;
}
