// Benchmark (issue 13, target 2): `contrast generate` as a user runs it, a separate process (`bun src/main.ts
// generate`), on 1, 100 and 1,000 distinct Deployments whose images are tags in a local registry. Each workspace is
// generated once against the registry (cold: tags resolved, layers cache written), then measured warm: the layers
// cache answers every tag, no registry request. Before every measured run the outputs (policies/, the -o file,
// manifest.json) are removed, so each run writes everything. Peak RSS is the process's maxRSS (wait4).
//
// The baseline is another process doing the least any generator must: read the same YAML, parse every document and
// serialise it again (the yaml package), measured the same way.
//
// Env: BENCH_RUNS per workspace (median, default 3).

import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fakeRegistry } from "../test/support/fake-registry.ts";
import { tempDir } from "../test/support/harness.ts";
import { type Figure, reportFigures } from "./lib/report.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ROOT = join(import.meta.dir, "..");
const MAIN = join(ROOT, "src", "main.ts");
const ROUNDTRIP = join(import.meta.dir, "lib", "yaml-roundtrip.ts");
const COORDINATOR_POLICY = "cd".repeat(32);
const IMAGES = 50; // distinct images; Deployment i runs app-(i % IMAGES)

const registry = fakeRegistry();
const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (req) => registry.fetch(req.url) });
const host = `127.0.0.1:${server.port}`;
const root = tempDir("contrast-bench-generate-");

interface Measured {
  readonly ms: number;
  readonly rssMiB: number;
}

function deployments(n: number): string {
  const docs: string[] = [];
  for (let i = 0; i < n; i++) {
    docs.push(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-${i}
  namespace: bench
spec:
  selector:
    matchLabels: {app: app-${i}}
  template:
    metadata:
      labels: {app: app-${i}}
    spec:
      runtimeClassName: contrast-cc
      containers:
      - name: web
        image: ${host}/team/app-${i % IMAGES}:v1
        env:
        - {name: PORT, value: "8080"}
        - name: POD_IP
          valueFrom: {fieldRef: {fieldPath: status.podIP}}
        args: ["--listen", "$(POD_IP):$(PORT)"]
        volumeMounts:
        - {name: cache, mountPath: /cache}
      volumes:
      - {name: cache, emptyDir: {}}
`);
  }
  return docs.join("---\n");
}

function workspace(n: number): string {
  const ws = join(root, `ws-${n}`);
  mkdirSync(join(ws, "deploy"), { recursive: true });
  writeFileSync(join(ws, "deploy", "apps.yaml"), deployments(n));
  return ws;
}

const GENERATE = [
  "generate",
  "--reference-values",
  "CLH-SNP",
  "--coordinator-policy",
  COORDINATOR_POLICY,
  "--initializer-image",
  `${host}/contrast/initializer:v1`,
  "--insecure-registry",
  host,
  "-o",
  "out.yaml",
  "deploy",
];

async function run(argv: string[], cwd: string): Promise<Measured> {
  const t0 = performance.now();
  const proc = Bun.spawn(argv, { cwd, stdout: "ignore", stderr: "pipe" });
  const stderr = new Response(proc.stderr).text();
  const code = await proc.exited;
  const ms = performance.now() - t0;
  if (code !== 0)
    throw new Error(`${argv.join(" ")} in ${cwd}: exit ${code}: ${(await stderr).slice(-2000)}`);
  return { ms, rssMiB: (proc.resourceUsage()?.maxRSS ?? 0) / 2 ** 20 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** Median time and median peak RSS of RUNS warm runs, each with the outputs removed first. */
async function warm(ws: string, argv: string[], clean: boolean): Promise<Measured> {
  const all: Measured[] = [];
  for (let i = 0; i < RUNS; i++) {
    if (clean)
      for (const f of ["policies", "out.yaml", "manifest.json"])
        rmSync(join(ws, f), { recursive: true, force: true });
    all.push(await run(argv, ws));
  }
  return { ms: median(all.map((m) => m.ms)), rssMiB: median(all.map((m) => m.rssMiB)) };
}

try {
  const sizes = [1, 100, 1000] as const;
  const spaces = new Map(sizes.map((n) => [n, workspace(n)]));
  // The owner keys (one RSA-4096) are made once, by the 1-Deployment workspace's cold run, and shared.
  const cold = new Map<number, Measured>();
  for (const n of sizes) {
    const ws = spaces.get(n)!;
    if (n !== 1)
      for (const f of readdirSync(spaces.get(1)!).filter((f) => f.endsWith(".pem")))
        await Bun.write(join(ws, f), Bun.file(join(spaces.get(1)!, f)));
    const before = registry.requests.length;
    cold.set(n, await run([process.execPath, MAIN, ...GENERATE], ws));
    console.log(
      `cold ${n}: ${cold.get(n)!.ms.toFixed(0)} ms, ${registry.requests.length - before} registry requests`,
    );
  }
  const requestsBeforeWarm = registry.requests.length;
  const gen = new Map<number, Measured>();
  const base = new Map<number, Measured>();
  for (const n of sizes) {
    const ws = spaces.get(n)!;
    gen.set(n, await warm(ws, [process.execPath, MAIN, ...GENERATE], true));
    base.set(n, await warm(ws, [process.execPath, ROUNDTRIP, join(ws, "deploy", "apps.yaml")], false));
    const g = gen.get(n)!;
    const b = base.get(n)!;
    console.log(
      `generate ${n}: ${g.ms.toFixed(0)} ms, peak rss ${g.rssMiB.toFixed(0)} MiB; baseline yaml parse+stringify: ${b.ms.toFixed(0)} ms, ${b.rssMiB.toFixed(0)} MiB`,
    );
  }
  const warmRequests = registry.requests.length - requestsBeforeWarm;
  const g1 = gen.get(1)!;
  const g100 = gen.get(100)!;
  const g1000 = gen.get(1000)!;
  const b100 = base.get(100)!;
  const b1000 = base.get(1000)!;
  const growth = (a: number, b: number) => b / a;
  const net = (x: number, y: number, fixed: number) => (y - fixed) / (x - fixed);
  const figures: Figure[] = [
    {
      name: "generate 1,000 Deployments, warm cache",
      value: g1000.ms,
      unit: "ms",
      baseline: { name: "yaml parse+stringify, own process", value: b1000.ms },
      target: "< 10 s",
      met: g1000.ms < 10_000,
    },
    {
      name: "peak RSS, 1,000 Deployments",
      value: g1000.rssMiB,
      unit: "MiB",
      baseline: { name: "yaml parse+stringify, own process", value: b1000.rssMiB },
      target: "< 400 MiB",
      met: g1000.rssMiB < 400,
    },
    {
      name: "generate 100 Deployments, warm cache",
      value: g100.ms,
      unit: "ms",
      baseline: { name: "yaml parse+stringify, own process", value: b100.ms },
    },
    {
      name: "peak RSS, 100 Deployments",
      value: g100.rssMiB,
      unit: "MiB",
      baseline: { name: "yaml parse+stringify, own process", value: b100.rssMiB },
    },
    {
      name: "time growth 100 → 1,000, above a 1-Deployment run",
      value: net(g100.ms, g1000.ms, g1.ms),
      unit: "×",
      target: "≤ ×12 (×10 ± 20%: linear, or better)",
      met: net(g100.ms, g1000.ms, g1.ms) <= 12,
    },
    {
      name: "peak RSS growth 100 → 1,000, above a 1-Deployment run",
      value: net(g100.rssMiB, g1000.rssMiB, g1.rssMiB),
      unit: "×",
      target: "≤ ×12 (×10 ± 20%: linear, or better)",
      met: net(g100.rssMiB, g1000.rssMiB, g1.rssMiB) <= 12,
    },
    {
      name: "time growth 100 → 1,000, whole process",
      value: growth(g100.ms, g1000.ms),
      unit: "×",
      baseline: { name: "yaml parse+stringify", value: growth(b100.ms, b1000.ms) },
    },
    {
      name: "peak RSS growth 100 → 1,000, whole process",
      value: growth(g100.rssMiB, g1000.rssMiB),
      unit: "×",
      baseline: { name: "yaml parse+stringify", value: growth(b100.rssMiB, b1000.rssMiB) },
    },
    {
      name: "generate 1,000 Deployments, cold: 51 tags from a local registry",
      value: cold.get(1000)!.ms,
      unit: "ms",
      baseline: { name: "the same, warm cache", value: g1000.ms },
    },
  ];
  reportFigures("contrast generate, a separate process (bun src/main.ts)", figures, [
    `Median of ${RUNS} warm runs each; every run writes all outputs (policies/, -o file, manifest.json removed first). Warm runs made ${warmRequests} registry requests.`,
    `1-Deployment run (the fixed cost subtracted in the growth figures): ${g1.ms.toFixed(0)} ms, ${g1.rssMiB.toFixed(0)} MiB. ${IMAGES} distinct images plus the Initializer, all tags.`,
    "Growth below ×8 is sublinear, not a miss: the collector runs less often in a short run, and fixed costs remain.",
  ]);
} finally {
  await server.stop(true);
  rmSync(root, { recursive: true, force: true });
}
