// Cold start of the compiled binary (issue 13, target 3): `contrast attestation verify` on a real SNP vector, each
// run a fresh process, beside an empty compiled Bun binary measured in the same run. The KDS is a local server that
// has no CRL (as in test/cli/attestation-snp.test.ts: the testdata holds no AMD CRL), so no run touches the network.
//
// Env: BENCH_RUNS per command (median, default 9).

import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Figure, reportFigures } from "./lib/report.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const ROOT = join(import.meta.dir, "..");
const SNP = join(ROOT, "test", "testdata", "attestation", "snp");
const dir = mkdtempSync(join(tmpdir(), "contrast-bench-cold-"));
const kds = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch: () => new Response("no crl", { status: 404 }),
});

try {
  const contrast = compile(join(ROOT, "src", "main.ts"), "contrast");
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
  const emptyMs = await medianMs([empty], env, 0);
  const verifyMs = await medianMs([contrast, ...verifyArgs], env, 0);
  console.log(
    `empty compiled bun binary: ${emptyMs.toFixed(0)} ms; attestation verify: ${verifyMs.toFixed(0)} ms`,
  );
  const figures: Figure[] = [
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
    `Wall time of a fresh process, median of ${RUNS} runs each, compiled with bun build --compile in this run.`,
  ]);
} finally {
  await kds.stop(true);
  rmSync(dir, { recursive: true, force: true });
}

function compile(entry: string, name: string): string {
  const out = join(dir, name);
  const r = spawnSync(process.execPath, ["build", "--compile", entry, "--outfile", out], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`bun build ${entry}: ${r.stderr}`);
  return out;
}

/** Median wall time of running `argv`, which must exit with `want` (spawned asynchronously: the KDS is in here). */
async function medianMs(
  argv: string[],
  env: Record<string, string | undefined>,
  want: number,
): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS + 1; i++) {
    const t0 = performance.now();
    const proc = Bun.spawn(argv, { env, stdout: "ignore", stderr: "pipe" });
    const code = await proc.exited;
    const ms = performance.now() - t0;
    if (code !== want)
      throw new Error(`${argv.join(" ")}: exit ${code}: ${await new Response(proc.stderr).text()}`);
    if (i > 0) times.push(ms); // the first run warms the page cache
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}
