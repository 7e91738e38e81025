// `contrast generate --unpinned-env-from-missing`: refused without it (exit 3, the variable and both ways forward
// on stderr, nothing written), generated with it (one warning listing the variables), then `policy check` passes.

import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registerGenerate } from "../../src/cli/generate-command.ts";
import { registerPolicy } from "../../src/cli/policy.ts";
import { renderCoordinatorResources } from "../../src/kube/coordinator-resources.ts";
import { MemoryLayersCache } from "../../src/policy/image/layers-cache.ts";
import { runInProcess } from "../support/run-in-process.ts";

const DIGEST = `sha256:${"ab".repeat(32)}`;
const COORDINATOR_DIGEST = `sha256:${"cd".repeat(32)}`;
const APP = `apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      runtimeClassName: contrast-cc
      containers:
      - name: api
        image: registry.example/api@${DIGEST}
        env:
        - {name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: db-creds, key: password}}}
        - {name: API_TOKEN, valueFrom: {configMapKeyRef: {name: tokens, key: api}}}
        - {name: MODE, value: prod}
`;

/** A workspace whose layers cache holds the app image, so generate and policy check run offline. */
function workspace(): string {
  const ws = mkdtempSync(join(tmpdir(), "generate-unpinned-"));
  writeFileSync(join(ws, "app.yaml"), APP);
  writeFileSync(
    join(ws, "coordinator.yaml"),
    renderCoordinatorResources({ image: `registry.example/coordinator@${COORDINATOR_DIGEST}` }),
  );
  const cache = new MemoryLayersCache();
  cache.set(DIGEST, { Entrypoint: ["/api"], Env: ["PATH=/bin"] });
  cache.set(COORDINATOR_DIGEST, { Entrypoint: ["/contrast", "coordinator"], Env: ["PATH=/bin"] });
  writeFileSync(join(ws, "layers-cache.json"), cache.toJSON());
  return ws;
}

async function inDir<T>(ws: string, f: () => Promise<T>): Promise<T> {
  const cwd = process.cwd();
  process.chdir(ws);
  try {
    return await f();
  } finally {
    process.chdir(cwd);
  }
}

// Dashed boolean flags go before another flag, not before PATHS: cac (as configured today) reads the next
// positional as the flag's value (issue 11 §7).
const generate = (ws: string, ...extra: string[]) =>
  inDir(ws, () =>
    runInProcess(
      (cli) => registerGenerate(cli, { rsaBits: 2048 }),
      [
        "generate",
        ...extra,
        "--skip-initializer",
        "--reference-values",
        "Metal-QEMU-SNP",
        "--offline",
        "app.yaml",
        "coordinator.yaml",
      ],
    ),
  );

afterEach(() => {
  process.exitCode = 0;
});

describe("contrast generate: env from ConfigMaps/Secrets not among the inputs", () => {
  test("without --unpinned-env-from-missing → exit 3 naming the variable and both ways forward, nothing written", async () => {
    const ws = workspace();
    const before = readdirSync(ws).sort();
    const r = await generate(ws);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("(env_unresolvable)");
    expect(r.stderr).toContain("env DB_PASSWORD");
    expect(r.stderr).toContain("add the Secret to the inputs");
    expect(r.stderr).toContain("--unpinned-env-from-missing");
    expect(readdirSync(ws).sort()).toEqual(before);
    expect(readFileSync(join(ws, "app.yaml"), "utf8")).toBe(APP);
  });

  test("with it → exit 0, one warning listing both variables; policy check of the result → exit 0", async () => {
    const ws = workspace();
    const r = await generate(ws, "--unpinned-env-from-missing");
    expect(r.code).toBe(0);
    expect(r.stderr.match(/^warning: --unpinned-env-from-missing/gm)?.length).toBe(1);
    expect(r.stderr).toContain("container api: DB_PASSWORD (Secret db-creds key password)");
    expect(r.stderr).toContain("container api: API_TOKEN (ConfigMap tokens key api)");
    expect(r.stderr).not.toContain("MODE (");
    const check = await inDir(ws, () =>
      runInProcess(registerPolicy, ["policy", "check", "app.yaml", "--layers-cache", "layers-cache.json"]),
    );
    expect(check.stdout).toContain("all requests allowed");
    expect(check.code).toBe(0);
  });
});
