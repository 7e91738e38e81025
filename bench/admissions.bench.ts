// Admissions over HTTPS (issue 13, target 1): the Coordinator (`contrast coordinator --tee sim`, its own process)
// against a Go standard-library service doing the same cryptographic work per admission (bench/anchors), both
// driven by the same load generator, a separate Go process, in the same run: admissions/s at concurrency
// 1, 8, 32 and 64, p50/p99 latency of one admission (nonce + cert request), and the server's CPU time per admission
// (utime + stime from /proc/<pid>/stat over the measured window ÷ admissions).
//
// Env: BENCH_SECONDS per measurement (default 3), BENCH_ROUNDS interleaved rounds per concurrency (median, default 3),
// BENCH_CONCURRENCY (default 1,8,32,64), BENCH_PROFILE=DIR (CPU profile of the Coordinator).

import "reflect-metadata";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { postJson } from "../src/api/client.ts";
import { encodeEvidence } from "../src/api/schema.ts";
import { initSimDir } from "../src/attestation/sim/sim-dir.ts";
import { createSimIssuer } from "../src/attestation/sim-issuer.ts";
import { toBase64, toHex } from "../src/common/bytes.ts";
import { exportPublicKeySpki, generateEcKeyPair } from "../src/crypto/keys.ts";
import { computeTransitionHash, signTransition, ZERO_HASH } from "../src/crypto/transition.ts";
import { freePort, policyDocument, tempDir } from "../test/support/harness.ts";
import { type Figure, reportFigures } from "./lib/report.ts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? "1,8,32,64").split(",").map(Number);
const ROOT = join(import.meta.dir, "..");
const ANCHORS = join(import.meta.dir, "anchors");
const CLOCK_TICK_MS = 10; // USER_HZ = 100 on Linux

interface LoadResult {
  admissions: number;
  errors: number;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
  firstError: string;
}

interface Measured extends LoadResult {
  rate: number;
  serverCpuMs: number;
  loadCpuMs: number;
}

type Proc = ReturnType<typeof Bun.spawn>;
const procs: Proc[] = [];
const dir = tempDir("bench-admissions");

try {
  if (Bun.which("go") === null) {
    console.log("go not installed (apt-get install golang-go): the Go anchor and load generator cannot run");
    process.exit(1);
  }
  const bin = buildAnchors();
  const setup = await prepareDeployment();
  const ts = await startCoordinator(setup);
  const go = await startGoAnchor(bin, setup);
  const loadConfig = join(dir, "load.json");
  writeFileSync(loadConfig, JSON.stringify(setup.load));
  const load = (url: string, c: number, seconds: number, pid: number) =>
    runLoad(bin.load, loadConfig, url, c, seconds, pid);

  // Warm-up: JIT, chain and CRL caches, TLS sessions of both servers.
  await load(ts.url, 8, 1.5, ts.pid);
  await load(go.url, 8, 1.5, go.pid);

  const results: { c: number; ts: Measured; go: Measured }[] = [];
  for (const c of CONCURRENCY) {
    const tsRuns: Measured[] = [];
    const goRuns: Measured[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      // Alternate who goes first so a change in machine load does not always hit the same server.
      if (r % 2 === 0) {
        tsRuns.push(await load(ts.url, c, SECONDS, ts.pid));
        goRuns.push(await load(go.url, c, SECONDS, go.pid));
      } else {
        goRuns.push(await load(go.url, c, SECONDS, go.pid));
        tsRuns.push(await load(ts.url, c, SECONDS, ts.pid));
      }
    }
    results.push({ c, ts: median(tsRuns), go: median(goRuns) });
  }

  console.log(
    `${"conc".padStart(4)}  ${"server".padEnd(12)} ${"adm/s".padStart(8)} ${"p50 ms".padStart(8)} ${"p99 ms".padStart(8)} ${"cpu ms/adm".padStart(11)} ${"load cpu ms/adm".padStart(16)} ${"errors".padStart(7)}`,
  );
  for (const { c, ts: t, go: g } of results) {
    for (const [name, m] of [
      ["coordinator", t],
      ["go anchor", g],
    ] as const) {
      console.log(
        `${String(c).padStart(4)}  ${name.padEnd(12)} ${m.rate.toFixed(0).padStart(8)} ${m.p50Ms.toFixed(2).padStart(8)} ${m.p99Ms.toFixed(2).padStart(8)} ${m.serverCpuMs.toFixed(2).padStart(11)} ${m.loadCpuMs.toFixed(2).padStart(16)} ${String(m.errors).padStart(7)}`,
      );
      if (m.errors > 0) console.log(`      first error: ${m.firstError}`);
    }
  }

  const figures: Figure[] = [];
  for (const { c, ts: t, go: g } of results) {
    figures.push({
      name: `admissions/s at concurrency ${c}`,
      value: t.rate,
      unit: "/s",
      baseline: { name: "Go stdlib service", value: g.rate },
      target: "≥ 1.5× baseline",
      met: t.rate >= 1.5 * g.rate,
    });
  }
  const cpu = (pick: (r: (typeof results)[number]) => Measured) =>
    results.reduce((s, r) => s + pick(r).serverCpuMs * pick(r).admissions, 0) /
    results.reduce((s, r) => s + pick(r).admissions, 0);
  const tsCpu = cpu((r) => r.ts);
  figures.push({
    name: "server CPU per admission (all concurrencies)",
    value: tsCpu,
    unit: "ms",
    baseline: { name: "Go stdlib service", value: cpu((r) => r.go) },
    target: "≤ 2 ms",
    met: tsCpu <= 2,
  });
  for (const { c, ts: t, go: g } of results) {
    figures.push({
      name: `p50 latency at concurrency ${c}`,
      value: t.p50Ms,
      unit: "ms",
      baseline: { name: "Go stdlib service", value: g.p50Ms },
    });
    figures.push({
      name: `p99 latency at concurrency ${c}`,
      value: t.p99Ms,
      unit: "ms",
      baseline: { name: "Go stdlib service", value: g.p99Ms },
    });
  }
  reportFigures("admissions over HTTPS: Coordinator vs Go standard-library service", figures, [
    "One admission = POST /v1/mesh/nonce + POST /v1/mesh/cert with a fresh sim SNP report, over keep-alive HTTPS " +
      "connections (one per client). Per admission both servers verify the report's P-384 signature (chain and CRL " +
      "cached), sign one P-384 mesh leaf with 46 claim extensions and the workload secret ID and seal the workload secret (P-256 ECDH, HKDF, " +
      "AES-GCM); Go 1.19's x509.CreateCertificate also verifies its own signature, which costs it one more P-384 verify.",
    `The Coordinator runs from source (bun src/main.ts coordinator --tee sim), the Go service is bench/anchors/` +
      `admission-server.go; the load generator (bench/anchors/admission-load.go) is a third process on the same ` +
      `${navigator.hardwareConcurrency} cores. ${SECONDS} s per measurement, median of ${ROUNDS} interleaved round(s).`,
  ]);
} finally {
  for (const p of procs) p.kill();
  await Promise.all(procs.map((p) => p.exited));
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);

function buildAnchors(): { server: string; load: string } {
  const out = join(tmpdir(), "contrast-bench-anchors");
  mkdirSync(out, { recursive: true });
  const env = { ...process.env, GO111MODULE: "off", GOFLAGS: "" };
  const paths = { server: join(out, "admission-server"), load: join(out, "admission-load") };
  for (const [name, path] of Object.entries(paths)) {
    const r = spawnSync("go", ["build", "-o", path, join(ANCHORS, `${basenameOf(path)}.go`)], {
      env,
      encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(`go build ${name}: ${r.stderr}`);
  }
  return paths;
}

function basenameOf(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** A sim TEE, the Coordinator's and one workload's policy, the manifest, and what the load generator sends. */
async function prepareDeployment() {
  const sim = await initSimDir(join(dir, "sim"));
  const coordDoc = policyDocument(join(dir, "policies"), "coordinator");
  const owner = await generateEcKeyPair("P-384");
  const ownerHex = toHex(await exportPublicKeySpki(owner.publicKey));
  const webDoc = policyDocument(join(dir, "policies"), "web", {
    coordinatorPolicies: [coordDoc.digest],
    deploymentKeys: [ownerHex],
  });
  const secretId = "apps/v1/Deployment/default/web";
  const manifest = new TextEncoder().encode(
    JSON.stringify({
      Policies: {
        [coordDoc.digest]: { SANs: ["coordinator"], Role: "coordinator" },
        [webDoc.digest]: { SANs: ["web", "web.default.svc"], WorkloadSecretID: secretId },
      },
      ReferenceValues: sim.referenceValues,
      WorkloadOwnerPubKeys: [ownerHex],
      SeedshareOwnerPubKeys: [],
    }),
  );
  const issuer = await createSimIssuer(sim.dir, Buffer.from(webDoc.digest, "hex"));
  const evidence = encodeEvidence(await issuer.issue(new Uint8Array(64)));
  return {
    simDir: sim.dir,
    coordDigest: coordDoc.digest,
    policies: [coordDoc.bytes, webDoc.bytes],
    manifest,
    signature: await signTransition(owner.privateKey, computeTransitionHash(manifest, ZERO_HASH)),
    goConfig: {
      policies: { [webDoc.digest]: { sans: ["web", "web.default.svc"], workloadSecretId: secretId } },
      measurement: toHex(sim.measurement),
      trustedArk: toBase64(sim.ark),
      seed: toHex(crypto.getRandomValues(new Uint8Array(64))),
    },
    load: {
      vcekKey: readFileSync(join(sim.dir, "vcek.key"), "utf8"),
      report: evidence.report,
      certs: evidence.certs,
    },
  };
}

type Setup = Awaited<ReturnType<typeof prepareDeployment>>;

async function startCoordinator(setup: Setup): Promise<{ url: string; pid: number }> {
  const [user, mesh, probe] = [await freePort(), await freePort(), await freePort()];
  const proc = Bun.spawn(
    [
      process.execPath,
      // BENCH_PROFILE=DIR: a CPU profile of the Coordinator (markdown) in DIR when it stops.
      ...(process.env.BENCH_PROFILE ? ["--cpu-prof-md", `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []),
      join(ROOT, "src", "main.ts"),
      "coordinator",
      "--tee",
      "sim",
      "--sim-dir",
      setup.simDir,
      "--sim-host-data",
      setup.coordDigest,
      "--state-dir",
      join(dir, "state"),
      "--user-api-addr",
      `127.0.0.1:${user}`,
      "--mesh-api-addr",
      `127.0.0.1:${mesh}`,
      "--probe-addr",
      `127.0.0.1:${probe}`,
    ],
    {
      stdout: "ignore",
      stderr: Bun.file(join(dir, "coordinator.log")), // one log line per admission
      env: { ...process.env, CONTRAST_CACHE_DIR: join(dir, "cache") },
    },
  );
  procs.push(proc);
  for (let i = 0; ; i++) {
    const ok = await fetch(`http://127.0.0.1:${probe}/probe/startup`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (i > 200 || proc.exitCode !== null)
      throw new Error(`coordinator did not start: ${readFileSync(join(dir, "coordinator.log"), "utf8")}`);
    await Bun.sleep(50);
  }
  const r = await postJson(
    `127.0.0.1:${user}`,
    "/v1/manifest",
    {
      manifest: toBase64(setup.manifest),
      policies: setup.policies.map(toBase64),
      previousTransition: "00".repeat(32),
      signature: toBase64(setup.signature),
    },
    { trust: { kind: "unverified-until-attested" } },
  );
  if (r.status !== 200) throw new Error(`set manifest: ${JSON.stringify(r.body)}`);
  return { url: `https://127.0.0.1:${mesh}`, pid: proc.pid };
}

async function startGoAnchor(bin: { server: string }, setup: Setup): Promise<{ url: string; pid: number }> {
  const config = join(dir, "anchor.json");
  writeFileSync(config, JSON.stringify(setup.goConfig));
  const proc = Bun.spawn([bin.server, "-config", config, "-addr", "127.0.0.1:0"], {
    stdout: "pipe",
    stderr: "ignore", // one log line per admission, as the Coordinator logs one
  });
  procs.push(proc);
  const reader = proc.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("go anchor exited before listening");
    text += new TextDecoder().decode(value);
  }
  const addr = /^listening (\S+)/.exec(text)?.[1];
  if (addr === undefined) throw new Error(`go anchor: unexpected output ${text}`);
  return { url: `https://${addr}`, pid: proc.pid };
}

async function runLoad(
  bin: string,
  config: string,
  url: string,
  c: number,
  seconds: number,
  serverPid: number,
): Promise<Measured> {
  const cpu0 = processCpuMs(serverPid);
  const proc = Bun.spawn(
    [bin, "-config", config, "-url", url, "-c", String(c), "-seconds", String(seconds)],
    {
      stdout: "pipe",
      stderr: "inherit",
    },
  );
  const text = await new Response(proc.stdout).text();
  await proc.exited;
  const cpu1 = processCpuMs(serverPid);
  if (proc.exitCode !== 0) throw new Error(`load generator failed (exit ${proc.exitCode})`);
  const r = JSON.parse(text) as LoadResult;
  const usage = proc.resourceUsage();
  const loadCpuMs = usage ? Number(usage.cpuTime.user + usage.cpuTime.system) / 1000 : Number.NaN;
  const n = Math.max(1, r.admissions);
  return { ...r, rate: r.admissions / r.seconds, serverCpuMs: (cpu1 - cpu0) / n, loadCpuMs: loadCpuMs / n };
}

/** utime + stime of a process in ms (fields 14 and 15 of /proc/<pid>/stat, in clock ticks). */
function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_MS;
}

function median(runs: Measured[]): Measured {
  const sorted = [...runs].sort((a, b) => a.rate - b.rate);
  return sorted[Math.floor(sorted.length / 2)]!;
}
