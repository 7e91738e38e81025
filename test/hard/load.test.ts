// Load (issue 15 §2): 1,000 Initializers, each a separate process of the built binary, in bounded batches against one
// Coordinator process: every one exits 0 with its certificate written. Reports p50/p99 of a whole Initializer run,
// and the Coordinator's RSS and open file descriptors before and after.
// CONTRAST_HARD_LOAD_INITIALIZERS (default 1000) and CONTRAST_HARD_LOAD_CONCURRENCY (default 4) size the run.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { CONTRAST, Deployment, percentile, processStats, report } from "./harness.ts";

const COUNT = Number(process.env.CONTRAST_HARD_LOAD_INITIALIZERS ?? 1000);
const CONCURRENCY = Number(process.env.CONTRAST_HARD_LOAD_CONCURRENCY ?? 4);

let d: Deployment;

beforeAll(async () => {
  d = await Deployment.running("load", ["web", "db"]);
}, 120_000);

afterAll(async () => {
  await d?.dispose();
});

describe("Initializer processes against one Coordinator", () => {
  test(`${COUNT} Initializers, ${CONCURRENCY} at a time → 0 errors; p50/p99, RSS and fds before/after`, async () => {
    const pid = d.process!.pid;
    const before = processStats(pid);
    const latencies: number[] = [];
    const errors: string[] = [];
    let next = 0;
    const t0 = performance.now();
    const worker = async () => {
      while (next < COUNT) {
        const i = next++;
        const pod = i % 2 === 0 ? "web" : "db";
        const out = join(d.root, `pod-${i}`);
        const t = performance.now();
        const p = Bun.spawn([...CONTRAST, ...d.initializerArgs(out, "60s", pod)], {
          env: {
            ...process.env,
            COORDINATOR_HOST: d.mesh,
            CONTRAST_LOG_LEVEL: "warn",
            CONTRAST_CACHE_DIR: join(d.root, "cache"),
          },
          stdout: "ignore",
          stderr: "pipe",
        });
        const [code, stderr] = await Promise.all([p.exited, new Response(p.stderr).text()]);
        latencies.push(performance.now() - t);
        // Retries (a warning per failed attempt) count as errors too: every Initializer must get through at once.
        if (code !== 0 || stderr.includes("request failed"))
          errors.push(`#${i} exit ${code}: ${stderr.slice(-300)}`);
        else if (!existsSync(join(out, "tls-config", "certChain.pem"))) errors.push(`#${i}: no certificate`);
        rmSync(out, { recursive: true, force: true });
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const elapsed = performance.now() - t0;
    await Bun.sleep(500);
    const after = processStats(pid);
    latencies.sort((a, b) => a - b);
    report("load", {
      initializers: COUNT,
      concurrency: CONCURRENCY,
      errors: errors.length,
      elapsedS: Math.round(elapsed / 100) / 10,
      perSecond: Math.round((COUNT / elapsed) * 10_000) / 10,
      p50Ms: Math.round(percentile(latencies, 50)),
      p99Ms: Math.round(percentile(latencies, 99)),
      rssBeforeMiB: Math.round(before.rssKiB / 102.4) / 10,
      rssAfterMiB: Math.round(after.rssKiB / 102.4) / 10,
      fdsBefore: before.fds,
      fdsAfter: after.fds,
    });
    expect(errors.slice(0, 5)).toEqual([]);
    expect(after.fds).toBeLessThanOrEqual(before.fds + 4);
  }, 1_200_000);
});
