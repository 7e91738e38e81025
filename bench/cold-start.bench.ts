// Cold start of the compiled binary (issue 13, target 3): `contrast --version`, `contrast --help` and `contrast
// attestation verify` on a real SNP vector, each run a fresh process, beside an empty compiled Bun binary measured in
// the same run. contrast is compiled with the flags of `make build` (Makefile COMPILE_FLAGS), the empty one without. The KDS is a local server that
// has no CRL (as in test/cli/attestation-snp.test.ts: the testdata holds no AMD CRL), so no run touches the network.
//
// Env: BENCH_RUNS per command (median, default 15).

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lockSuffixes } from "../tools/lock-suffixes.ts";
import { type Figure, reportFigures } from "./lib/report.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
/** `make build`'s flags (Makefile COMPILE_FLAGS, and the lock suffixes it defines). */
const COMPILE_FLAGS = [
  "--splitting",
  "--bytecode",
  "--format=esm",
  "--define",
  `CONTRAST_LOCK_SUFFIXES=${JSON.stringify(lockSuffixes())}`,
];
const ROOT = join(import.meta.dir, "..");
const SNP = join(ROOT, "test", "testdata", "attestation", "snp");
const dir = mkdtempSync(join(tmpdir(), "contrast-bench-cold-"));
const kds = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch: () => new Response("no crl", { status: 404 }),
});

try {
  const contrast = compile(join(ROOT, "src", "main.ts"), "contrast", COMPILE_FLAGS);
  writeFileSync(join(dir, "empty.ts"), "");
  const empty = compile(join(dir, "empty.ts"), "empty");
  const env = {
    ...process.env,
    CONTRAST_KDS_URL: kds.url.href.replace(/\/$/, ""),
    CONTRAST_CACHE_DIR: join(dir, "cache"),
  };
  const verifyArgs = [
    "attestation",
    "verify",
    "--snp-report",
    join(SNP, "milan_v2_virtee_report.bin"),
    "--cert",
    join(SNP, "milan_v2_virtee_vcek.der"),
    "--allow-missing-crl",
    "--now",
    "2026-06-01T00:00:00Z",
  ];
  const [emptyMs, versionMs, helpMs, verifyMs] = (await medianMs(
    [[empty], [contrast, "--version"], [contrast, "--help"], [contrast, ...verifyArgs]],
    env,
  )) as [number, number, number, number];
  console.log(
    `empty compiled bun binary: ${emptyMs.toFixed(1)} ms; --version ${versionMs.toFixed(1)} ms; --help ${helpMs.toFixed(1)} ms; attestation verify: ${verifyMs.toFixed(0)} ms`,
  );
  const figures: Figure[] = [
    {
      name: "contrast --version",
      value: versionMs,
      unit: "ms",
      baseline: { name: "empty compiled Bun binary", value: emptyMs },
      target: "≤ 1.5× baseline",
      met: versionMs <= 1.5 * emptyMs,
    },
    {
      name: "contrast --help",
      value: helpMs,
      unit: "ms",
      baseline: { name: "empty compiled Bun binary", value: emptyMs },
      target: "≤ 1.5× baseline",
      met: helpMs <= 1.5 * emptyMs,
    },
    {
      name: "attestation verify (Milan SNP vector, local KDS without CRL)",
      value: verifyMs,
      unit: "ms",
      baseline: { name: "empty compiled Bun binary", value: emptyMs },
      target: "≤ 200 ms",
      met: verifyMs <= 200,
    },
  ];
  reportFigures("cold start of the compiled binary", figures, [
    `Wall time of a fresh process, median of ${RUNS} runs each (interleaved), compiled in this run: contrast as make build does (bun build --compile --splitting --bytecode --format=esm, lock suffixes defined), the empty binary with bun build --compile.`,
  ]);
} finally {
  await kds.stop(true);
  rmSync(dir, { recursive: true, force: true });
}

function compile(entry: string, name: string, flags: readonly string[] = []): string {
  const out = join(dir, name);
  const r = spawnSync(process.execPath, ["build", "--compile", ...flags, entry, "--outfile", out], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`bun build ${entry}: ${r.stderr}`);
  return out;
}

/**
 * Median wall time of running each of `commands`, which must exit 0, in interleaved rounds (the machine is shared:
 * its load moves every command alike). Spawned asynchronously: the KDS is in this process.
 */
async function medianMs(commands: string[][], env: Record<string, string | undefined>): Promise<number[]> {
  const times: number[][] = commands.map(() => []);
  for (let i = 0; i < RUNS + 1; i++) {
    for (const [k, argv] of commands.entries()) {
      const t0 = performance.now();
      const proc = Bun.spawn(argv, { env, stdout: "ignore", stderr: "pipe" });
      const code = await proc.exited;
      const ms = performance.now() - t0;
      if (code !== 0)
        throw new Error(`${argv.join(" ")}: exit ${code}: ${await new Response(proc.stderr).text()}`);
      if (i > 0) times[k]!.push(ms); // the first round warms the page cache
    }
  }
  return times.map((t) => {
    t.sort((a, b) => a - b);
    return t[Math.floor(t.length / 2)] as number;
  });
}
