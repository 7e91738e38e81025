// `contrast generate` and images: tags resolved before come from the layers cache, resolution runs concurrently
// with a bound (issue 13).

import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registerGenerate } from "../../src/cli/generate-command.ts";
import { EXIT } from "../../src/common/errors.ts";
import { IMAGE_RESOLUTION_CONCURRENCY } from "../../src/policy/generate-deployment.ts";
import type { Fetch } from "../../src/policy/image/registry-client.ts";
import { fakeRegistry } from "../support/fake-registry.ts";
import { runInProcess } from "../support/run-in-process.ts";

const COORDINATOR_POLICY = "cd".repeat(32);

afterEach(() => {
  process.exitCode = 0;
});

/** `n` Deployments, Deployment i running image `registry.example/team/app-<i % images>:v1` (a tag). */
function workspace(n: number, images: number): string {
  const ws = mkdtempSync(join(tmpdir(), "contrast-generate-images-"));
  mkdirSync(join(ws, "deploy"));
  const docs = Array.from(
    { length: n },
    (_, i) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: app-${i}, namespace: t}
spec:
  selector: {matchLabels: {app: app-${i}}}
  template:
    metadata: {labels: {app: app-${i}}}
    spec:
      runtimeClassName: contrast-cc
      containers:
      - name: app
        image: registry.example/team/app-${i % images}:v1
`,
  );
  writeFileSync(join(ws, "deploy", "apps.yaml"), docs.join("---\n"));
  return ws;
}

function generate(ws: string, fetch: Fetch, extra: string[] = []) {
  return runInProcess(
    (cli) => registerGenerate(cli, { fetch, rsaBits: 2048, stderr: () => {} }),
    [
      "generate",
      "--workspace-dir",
      ws,
      "--reference-values",
      "CLH-SNP",
      "--coordinator-policy",
      COORDINATOR_POLICY,
      "-o",
      join(ws, "out.yaml"),
      ...extra,
      join(ws, "deploy"),
    ],
  );
}

describe("contrast generate: layers cache", () => {
  test("tags resolved by a first run → a second run asks no registry and writes the same bytes", async () => {
    const ws = workspace(3, 2);
    const first = fakeRegistry();
    expect((await generate(ws, first.fetch)).code).toBe(EXIT.ok);
    expect(first.requests.length).toBeGreaterThan(0);
    const out = readFileSync(join(ws, "out.yaml"), "utf8");
    expect(out).toContain("registry.example/team/app-1:v1@sha256:");
    const cache = JSON.parse(readFileSync(join(ws, "layers-cache.json"), "utf8"));
    expect(Object.keys(cache.tags)).toContain("registry.example/team/app-0:v1");

    const second = fakeRegistry();
    const again = await generate(ws, second.fetch);
    expect(again.code).toBe(EXIT.ok);
    expect(second.requests).toEqual([]);
    expect(readFileSync(join(ws, "out.yaml"), "utf8")).toBe(out);
  });

  test("tags in the cache and --offline → exit 0; a tag not in it → image_not_cached", async () => {
    const ws = workspace(2, 2);
    expect((await generate(ws, fakeRegistry().fetch)).code).toBe(EXIT.ok);
    const none: Fetch = async () => {
      throw new Error("no registry in this test");
    };
    expect((await generate(ws, none, ["--offline"])).code).toBe(EXIT.ok);
    writeFileSync(
      join(ws, "deploy", "apps.yaml"),
      `${readFileSync(join(ws, "deploy", "apps.yaml"), "utf8")}---\n${readFileSync(
        join(ws, "deploy", "apps.yaml"),
        "utf8",
      )
        .split("---\n")[0]!
        .replaceAll("app-0", "app-9")}`,
    );
    const r = await generate(ws, none, ["--offline"]);
    expect(r.code).toBe(EXIT.unavailable);
    expect(r.stderr).toContain("(image_not_cached)");
  });
});

describe("contrast generate: a tag that moved", () => {
  const pinnedDigests = (ws: string) =>
    [...readFileSync(join(ws, "out.yaml"), "utf8").matchAll(/app-0:v1@(sha256:[0-9a-f]{64})/g)].map(
      (m) => m[1],
    );

  test("pushed again → a plain second run keeps the remembered digest, --refresh-tags pins the new one and remembers it", async () => {
    const ws = workspace(2, 1);
    expect((await generate(ws, fakeRegistry().fetch)).code).toBe(EXIT.ok);
    const [before] = pinnedDigests(ws);
    expect(before).toBeDefined();

    const moved = fakeRegistry({ push: 2 });
    expect((await generate(ws, moved.fetch)).code).toBe(EXIT.ok);
    expect(moved.requests).toEqual([]);
    expect(pinnedDigests(ws)).toEqual([before, before]);

    const refreshed = await generate(ws, moved.fetch, ["--refresh-tags"]);
    expect(refreshed.code).toBe(EXIT.ok);
    expect(moved.requests.length).toBeGreaterThan(0);
    const after = pinnedDigests(ws);
    expect(after[0]).not.toBe(before);
    expect(after).toEqual([after[0], after[0]]);
    const cache = JSON.parse(readFileSync(join(ws, "layers-cache.json"), "utf8"));
    expect(cache.tags["registry.example/team/app-0:v1"]).toBe(after[0]);
  });

  test("--refresh-tags with --offline → exit 2 invalid_flag naming both, nothing written", async () => {
    const ws = workspace(1, 1);
    const r = await generate(ws, fakeRegistry().fetch, ["--refresh-tags", "--offline"]);
    expect(r.code).toBe(EXIT.usage);
    expect(r.stderr).toContain("--refresh-tags: expected a registry to ask, got --offline");
    expect(r.stderr).toContain("(invalid_flag)");
    expect(existsSync(join(ws, "out.yaml"))).toBe(false);
  });
});

describe("contrast generate: image resolution", () => {
  test("24 distinct tags, each registry answer delayed → several resolved at once, never more than the bound", async () => {
    const ws = workspace(24, 24);
    const registry = fakeRegistry();
    let inFlight = 0;
    let most = 0;
    const slow: Fetch = async (url) => {
      inFlight++;
      most = Math.max(most, inFlight);
      try {
        await Bun.sleep(5);
        return await registry.fetch(url);
      } finally {
        inFlight--;
      }
    };
    expect((await generate(ws, slow)).code).toBe(EXIT.ok);
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(IMAGE_RESOLUTION_CONCURRENCY);
  });
});
