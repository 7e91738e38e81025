// `contrast generate` on inputs that are not (all) confidential plain YAML (issue 11 §7): skipped workloads counted
// and named, Helm charts and Kustomize directories refused with the command that renders them, no library warnings
// on stderr; and `--json`, one object on stdout, also on failure.

import { afterEach, describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { registerGenerate } from "../../src/cli/generate-command.ts";
import { EXIT } from "../../src/common/errors.ts";
import { renderCoordinatorResources } from "../../src/kube/coordinator-resources.ts";
import { COORDINATOR_IMAGE } from "../../src/kube/release-images.ts";
import { fakeRegistry } from "../support/fake-registry.ts";
import { contrast, tempDir } from "../support/harness.ts";
import { runInProcess } from "../support/run-in-process.ts";
import { snapshotTree } from "../support/snapshot.ts";
import { testdata } from "../support/testdata.ts";

afterEach(() => {
  process.exitCode = 0;
});

/** deploy/: the Coordinator, emojivoto made confidential, guestbook as upstream ships it (no runtime class). */
function workspace(): string {
  const ws = tempDir("generate-inputs");
  mkdirSync(join(ws, "deploy"));
  copyFileSync(testdata("k8s", "emojivoto.confidential.yaml"), join(ws, "deploy", "emojivoto.yaml"));
  copyFileSync(testdata("k8s", "upstream", "guestbook.yaml"), join(ws, "deploy", "guestbook.yaml"));
  writeFileSync(
    join(ws, "deploy", "coordinator.yaml"),
    renderCoordinatorResources({ image: COORDINATOR_IMAGE.reference }),
  );
  return ws;
}

async function generate(ws: string, args: string[]) {
  let stderr = "";
  const r = await runInProcess(
    (cli) =>
      registerGenerate(cli, {
        fetch: fakeRegistry().fetch,
        rsaBits: 2048,
        stderr: (t) => {
          stderr += t;
        },
      }),
    ["generate", "--workspace-dir", ws, ...args],
  );
  return { ...r, stderr: r.stderr + stderr };
}

const HELM_TEMPLATE = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "app.fullname" . }}
spec:
  replicas: {{ .Values.replicaCount }}
  template:
    spec:
      runtimeClassName: contrast-cc
      containers:
      - name: app
        image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
`;

describe("generate: skipped workloads", () => {
  test("workloads without runtimeClassName contrast-cc → counted and named with the reason, JSON lists them", async () => {
    const ws = workspace();
    const g = join(ws, "deploy", "guestbook.yaml");
    // frontend asks for another runtime: named with its class
    const frontend = "    spec:\n      containers:\n      - name: php-redis";
    const text = readFileSync(g, "utf8").replace(
      frontend,
      frontend.replace("spec:\n", "spec:\n      runtimeClassName: kata\n"),
    );
    expect(text).toContain("runtimeClassName: kata");
    writeFileSync(g, text);
    const r = await generate(ws, ["--json", "--reference-values", "Metal-QEMU-SNP", join(ws, "deploy")]);
    expect(r.code).toBe(EXIT.ok);
    expect(r.stderr).toContain(
      "note: skipped 3 workloads whose pod template has no runtimeClassName: contrast-cc (set it to make them confidential):\n" +
        `  ${g}#1 (Deployment redis-master): no runtimeClassName\n` +
        `  ${g}#3 (Deployment redis-replica): no runtimeClassName\n` +
        `  ${g}#5 (Deployment frontend): runtimeClassName kata\n`,
    );
    const out = JSON.parse(r.stdout);
    expect(out.skipped).toEqual([
      { location: `${g}#1 (Deployment redis-master)`, runtimeClassName: null },
      { location: `${g}#3 (Deployment redis-replica)`, runtimeClassName: null },
      { location: `${g}#5 (Deployment frontend)`, runtimeClassName: "kata" },
    ]);
    expect(out.workloads.length).toBe(5);
    expect(out.policies).toBe(5);
    expect(out.referenceValues).toEqual(["Metal-QEMU-SNP"]);
    expect(out.hints.length).toBe(8);
    expect(out.error).toBeUndefined();
    expect(readFileSync(g, "utf8")).toBe(text);
  });
});

describe("generate: inputs that must be rendered first", () => {
  const rows: [string, (deploy: string) => void, string[]][] = [
    [
      "a Helm chart",
      (deploy) => {
        mkdirSync(join(deploy, "chart", "templates"), { recursive: true });
        writeFileSync(join(deploy, "chart", "Chart.yaml"), "apiVersion: v2\nname: app\nversion: 0.1.0\n");
        writeFileSync(join(deploy, "chart", "templates", "deployment.yaml"), HELM_TEMPLATE);
      },
      ["chart is a Helm chart (render it: helm template", "chart > rendered.yaml)"],
    ],
    [
      "a Kustomize directory",
      (deploy) => {
        mkdirSync(join(deploy, "overlay"));
        writeFileSync(join(deploy, "overlay", "kustomization.yaml"), "resources:\n- ../base\n");
      },
      ["overlay is a Kustomize directory (render it: kubectl kustomize", "overlay > rendered.yaml)"],
    ],
    [
      "both",
      (deploy) => {
        mkdirSync(join(deploy, "a"));
        writeFileSync(join(deploy, "a", "Chart.yml"), "name: a\n");
        mkdirSync(join(deploy, "b"));
        writeFileSync(join(deploy, "b", "kustomization.yml"), "resources: []\n");
      },
      ["a is a Helm chart", "b is a Kustomize directory"],
    ],
  ];
  for (const [name, setup, says] of rows) {
    test(`${name} among the inputs → exit 3 input_not_rendered naming it and the command, nothing written`, async () => {
      const ws = workspace();
      setup(join(ws, "deploy"));
      const before = snapshotTree(ws);
      const r = await generate(ws, ["--reference-values", "Metal-QEMU-SNP", join(ws, "deploy")]);
      expect(r.code).toBe(EXIT.config);
      expect(r.stderr).toContain("error: PATHS: expected plain Kubernetes YAML, got ");
      for (const s of says) expect(r.stderr).toContain(s);
      expect(r.stderr).toContain("(input_not_rendered)");
      expect(snapshotTree(ws)).toEqual(before);
    });
  }
  test("row count", () => expect(rows.length).toBe(3));

  test("a Helm template file without its chart → exit 3 yaml_malformed suggesting helm template, no runtime warning", async () => {
    const ws = workspace();
    writeFileSync(join(ws, "deploy", "app.yaml"), HELM_TEMPLATE);
    // The binary's own process: a library warning would reach its stderr as `(node:PID) Warning: …`.
    const r = await contrast(["generate", "--reference-values", "Metal-QEMU-SNP", "deploy"], { cwd: ws });
    expect(r.code).toBe(EXIT.config);
    expect(r.stderr).toContain(
      "app.yaml#0: invalid yaml: line 4: a map key is itself a map or list, expected a plain key (this looks like a Helm template: render the chart with `helm template`, then pass the output) (yaml_malformed)",
    );
    expect(r.stderr).not.toContain("(node:");
    expect(r.stderr).not.toContain("Warning");
    expect(r.stderr.trim().split("\n").length).toBe(1);
  }, 30_000);
});

describe("generate --json", () => {
  test("failure → one JSON object with the error, exit code as without --json", async () => {
    const ws = workspace();
    const usage = await generate(ws, ["--json", "--reference-values", "Metal-QEMU-SNP"]);
    expect(usage.code).toBe(EXIT.usage);
    expect(JSON.parse(usage.stdout)).toEqual({
      error: {
        code: "missing_argument",
        message: "PATHS: expected at least one file or directory, got none",
        exitCode: EXIT.usage,
      },
    });
    const platform = await generate(ws, ["--json", "--reference-values", "nope", join(ws, "deploy")]);
    expect(platform.code).toBe(EXIT.config);
    expect(JSON.parse(platform.stdout).error).toMatchObject({
      code: "unknown_platform",
      exitCode: EXIT.config,
    });
    expect(platform.stdout.trim().split("\n")[0]).toBe("{");
  });

  test("success → stdout is exactly one JSON object; notes and hints stay on stderr", async () => {
    const ws = workspace();
    const r = await generate(ws, ["--json", "--reference-values", "Metal-QEMU-TDX", join(ws, "deploy")]);
    expect(r.code).toBe(EXIT.ok);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual([
      "manifest",
      "policies",
      "workloads",
      "skipped",
      "referenceValues",
      "droppedReferenceValues",
      "simulated",
      "coordinatorHost",
      "pinnedImages",
      "unpinnedEnv",
      "hints",
      "written",
    ]);
    expect(out.manifest).toBe(join(ws, "manifest.json"));
    expect(out.workloads.filter((w: { role?: string }) => w.role === "coordinator").length).toBe(1);
    expect(out.written).toContain(join(ws, "manifest.json"));
    expect(r.stderr).toContain("hint: please fill in ReferenceValues.tdx[0].MrSeam");
    expect(r.stdout).not.toContain("hint:");
  });
});
