// Benchmark: generateDeployment on 100 and 1,000 Deployments with a warm image cache (no registry),
// next to a baseline measured in the same run: parsing and re-serialising the same YAML with the yaml package.

import { parseAllDocuments } from "yaml";
import { generateDeployment } from "../src/policy/generate-deployment.ts";
import { createImageResolver } from "../src/policy/image/create-image-resolver.ts";
import { MemoryLayersCache } from "../src/policy/image/layers-cache.ts";
import { DEFAULT_RULES_TEXT } from "../src/policy/render-policy.ts";
import { defaultSettings } from "../src/policy/settings.ts";

const DIGEST = `sha256:${"ab".repeat(32)}`;
const INIT = `ghcr.io/edgelesssys/contrast/initializer:v1@sha256:${"11".repeat(32)}`;

function workloads(n: number): string {
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
        image: registry.example/team/web@${DIGEST}
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

async function measure(n: number): Promise<{ ms: number; rssMiB: number; baselineMs: number }> {
  const text = workloads(n);
  const cache = new MemoryLayersCache();
  cache.set(DIGEST, { Entrypoint: ["/web"], Env: ["PATH=/bin"] });
  cache.set(INIT.split("@")[1] as string, { Entrypoint: ["/contrast", "initializer"] });
  const imageResolver = createImageResolver({ cache, offline: true });
  Bun.gc(true);
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  const t0 = performance.now();
  const r = await generateDeployment({
    files: [{ path: "bench.yaml", text }],
    handlerFor: () => "contrast-cc-metal-qemu-snp-0a1b2c3d",
    initializerImage: INIT,
    rules: DEFAULT_RULES_TEXT,
    settings: defaultSettings(),
    imageResolver,
  });
  const ms = performance.now() - t0;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  if (r.pods.length !== n) throw new Error(`expected ${n} pods, got ${r.pods.length}`);
  const b0 = performance.now();
  for (const d of parseAllDocuments(text) as { toString(): string }[]) d.toString();
  const baselineMs = performance.now() - b0;
  return { ms, rssMiB: peak / 2 ** 20, baselineMs };
}

const small = await measure(100);
const large = await measure(1000);
for (const [n, m] of [
  [100, small],
  [1000, large],
] as const) {
  console.log(
    `generate ${n} workloads: ${m.ms.toFixed(0)} ms (${((n * 1000) / m.ms).toFixed(0)} workloads/s), peak rss ${m.rssMiB.toFixed(0)} MiB; ` +
      `baseline yaml parse+stringify: ${m.baselineMs.toFixed(0)} ms (${((n * 1000) / m.baselineMs).toFixed(0)}/s); ratio ${(m.ms / m.baselineMs).toFixed(1)}x`,
  );
}
console.log(
  `growth 100 → 1000: time ×${(large.ms / small.ms).toFixed(1)} (linear would be ×10), peak rss ×${(large.rssMiB / small.rssMiB).toFixed(2)}`,
);
