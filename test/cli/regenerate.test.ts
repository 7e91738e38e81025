// The loop a deployment lives in (issue 11 §4): generate → set → edit a Deployment → generate → set (update, signed)
// → verify, on the sim TEE with a Coordinator in this process; and `generate` again on its own output changes nothing.

import { beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { initSimDir } from "../../src/attestation/sim/sim-dir.ts";
import { registerGenerate } from "../../src/cli/generate-command.ts";
import type { RunningCoordinator } from "../../src/coordinator/server.ts";
import { renderCoordinatorResources } from "../../src/kube/coordinator-resources.ts";
import { COORDINATOR_IMAGE } from "../../src/kube/release-images.ts";
import { parseManifest } from "../../src/manifest/parse-manifest.ts";
import type { Manifest } from "../../src/manifest/schema.ts";
import { SIM_TIMEOUT_MS } from "../attestation/sim/fixture.ts";
import { fakeRegistry } from "../support/fake-registry.ts";
import { tempDir } from "../support/harness.ts";
import { runContrast, runInProcess } from "../support/run-in-process.ts";
import { startSimCoordinator } from "../support/sim-coordinator.ts";
import { snapshotTree } from "../support/snapshot.ts";
import { testdata } from "../support/testdata.ts";
import { isolateCliProcess } from "./coordinator-fixture.ts";

const running = isolateCliProcess<RunningCoordinator>();

/** A workspace with emojivoto (made confidential), the Coordinator's resources and a sim TEE directory. */
async function simWorkspace(): Promise<string> {
  const ws = tempDir("regen");
  mkdirSync(join(ws, "deploy"));
  copyFileSync(testdata("k8s", "emojivoto.confidential.yaml"), join(ws, "deploy", "emojivoto.yaml"));
  writeFileSync(
    join(ws, "deploy", "coordinator.yaml"),
    renderCoordinatorResources({ image: COORDINATOR_IMAGE.reference }),
  );
  await initSimDir(join(ws, "sim"));
  return ws;
}

function generateIn(ws: string, registry: ReturnType<typeof fakeRegistry>, flags: string[]) {
  return runInProcess(
    (cli) => registerGenerate(cli, { fetch: registry.fetch, rsaBits: 2048, stderr: () => {} }),
    ["generate", "--workspace-dir", ws, ...flags, join(ws, "deploy")],
  );
}

const SIM_FLAGS = (ws: string) => ["--reference-values", "sim", "--sim-dir", join(ws, "sim")];

const manifestOf = (ws: string): Manifest =>
  parseManifest(new Uint8Array(readFileSync(join(ws, "manifest.json")))).manifest;

const policyOf = (ws: string, san: string) =>
  Object.entries(manifestOf(ws).Policies).find(([, e]) => e.SANs[0] === san)![0];

function editWeb(ws: string, port: string): void {
  const app = join(ws, "deploy", "emojivoto.yaml");
  const text = readFileSync(app, "utf8");
  const edited = text.replace(/value: emoji-svc\.emojivoto:\d+/, `value: emoji-svc.emojivoto:${port}`);
  expect(edited).not.toBe(text);
  writeFileSync(app, edited);
}

async function startFor(ws: string): Promise<RunningCoordinator> {
  const coordinatorPolicy = Object.entries(manifestOf(ws).Policies).find(
    ([, e]) => e.Role === "coordinator",
  )![0];
  const c = await startSimCoordinator({ simDir: join(ws, "sim"), policy: coordinatorPolicy });
  running.push(c);
  return c;
}

describe("generate → set → edit → generate → set → verify (sim TEE)", () => {
  let ws: string;
  const registry = fakeRegistry();
  let coordinator: RunningCoordinator;
  const setArgs = () => ["set", "-c", coordinator.userApi, "--workspace-dir", ws, join(ws, "deploy")];

  beforeAll(async () => {
    process.env.CONTRAST_CACHE_DIR = tempDir("regen-cache");
    ws = await simWorkspace();
    const first = await generateIn(ws, registry, SIM_FLAGS(ws));
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    coordinator = await startFor(ws);
  }, SIM_TIMEOUT_MS);

  test("sim pods → a runtime class of their own, the manifest trusts the sim chain and nothing else", () => {
    const docs = parseAllDocuments(readFileSync(join(ws, "deploy", "emojivoto.yaml"), "utf8"));
    const classes = docs
      .map((d) => d.getIn(["spec", "template", "spec", "runtimeClassName"]))
      .filter((c) => c !== undefined);
    expect(classes.length).toBe(4);
    for (const c of classes) expect(String(c)).toMatch(/^contrast-cc-sim-[0-9a-f]{8}$/);
    expect(manifestOf(ws).ReferenceValues.snp?.map((e) => e.Platform)).toEqual(["sim"]);
    expect(manifestOf(ws).ReferenceValues.tdx).toBeUndefined();
  });

  test(
    "first set → exit 0",
    async () => {
      const r = await runContrast(setArgs());
      if (r.code !== 0) console.error(r.stderr);
      expect(r.code).toBe(0);
    },
    SIM_TIMEOUT_MS,
  );

  test(
    "edit a Deployment, generate, set, any number of times → every update accepted, verify matches",
    async () => {
      for (const port of ["8081", "8082"]) {
        const before = policyOf(ws, "web");
        editWeb(ws, port);
        const again = await generateIn(ws, registry, SIM_FLAGS(ws));
        expect(again.stderr).toBe("");
        expect(again.code).toBe(0);
        expect(policyOf(ws, "web")).not.toBe(before);
        expect(manifestOf(ws).ReferenceValues.snp?.map((e) => e.Platform)).toEqual(["sim"]);
        const update = await runContrast(setArgs());
        if (update.code !== 0) console.error(update.stderr);
        expect(update.code).toBe(0);
        const verify = await runContrast(["verify", "-c", coordinator.userApi, "--workspace-dir", ws]);
        if (verify.code !== 0) console.error(verify.stderr);
        expect(verify.code).toBe(0);
      }
      expect(coordinator.state.snapshot().manifests.length).toBe(3);
    },
    3 * SIM_TIMEOUT_MS,
  );
});

describe("generate on its own output", () => {
  for (const mode of ["sim", "Metal-QEMU-SNP", "Metal-QEMU-TDX", "CLH-SNP"] as const) {
    test(
      `--reference-values ${mode}: twice and thrice → byte-identical YAML, policies and manifest`,
      async () => {
        const ws = await simWorkspace();
        const registry = fakeRegistry();
        const flags = mode === "sim" ? SIM_FLAGS(ws) : ["--reference-values", mode];
        expect((await generateIn(ws, registry, flags)).code).toBe(0);
        const once = snapshotTree(ws);
        expect((await generateIn(ws, registry, flags)).code).toBe(0);
        expect(snapshotTree(ws)).toEqual(once);
        expect((await generateIn(ws, registry, flags)).code).toBe(0);
        expect(snapshotTree(ws)).toEqual(once);
        // Without the flag, the manifest on disk stands for the platform.
        expect((await generateIn(ws, registry, [])).code).toBe(0);
        expect(snapshotTree(ws)).toEqual(once);
      },
      SIM_TIMEOUT_MS,
    );
  }
});

describe("generate keeps what the user filled in and adds no platform", () => {
  test(
    "MinimumTCB filled into manifest.json → kept by every regeneration, and set would accept the manifest",
    async () => {
      const ws = await simWorkspace();
      const registry = fakeRegistry();
      const flags = ["--reference-values", "Metal-QEMU-SNP"];
      expect((await generateIn(ws, registry, flags)).code).toBe(0);
      const raw = JSON.parse(readFileSync(join(ws, "manifest.json"), "utf8"));
      for (const e of raw.ReferenceValues.snp)
        e.MinimumTCB = { BootloaderVersion: 3, TEEVersion: 0, SNPVersion: 22, MicrocodeVersion: 213 };
      writeFileSync(join(ws, "manifest.json"), `${JSON.stringify(raw, null, 2)}\n`);
      editWeb(ws, "8083");
      for (const f of [flags, flags, []]) {
        const run = await generateIn(ws, registry, f);
        expect(run.code).toBe(0);
        const m = manifestOf(ws);
        expect(m.ReferenceValues.snp?.map((e) => e.MinimumTCB.SNPVersion)).toEqual([22, 22]);
        expect(m.ReferenceValues.snp?.map((e) => e.Platform)).toEqual(["Metal-QEMU-SNP", "Metal-QEMU-SNP"]);
        expect(m.ReferenceValues.tdx).toBeUndefined();
        parseManifest(new Uint8Array(readFileSync(join(ws, "manifest.json"))), { requireComplete: true });
      }
    },
    SIM_TIMEOUT_MS,
  );

  test(
    "sim pods, no --reference-values and no manifest → exit 3 asking for sim with --sim-dir, nothing written",
    async () => {
      const ws = await simWorkspace();
      const registry = fakeRegistry();
      expect((await generateIn(ws, registry, SIM_FLAGS(ws))).code).toBe(0);
      writeFileSync(join(ws, "manifest.json.bak"), readFileSync(join(ws, "manifest.json")));
      Bun.spawnSync(["rm", join(ws, "manifest.json")]);
      const before = snapshotTree(ws);
      const run = await generateIn(ws, registry, []);
      expect(run.code).toBe(3);
      expect(run.stderr).toContain(
        "--reference-values: expected sim with --sim-dir for pods with runtimeClassName contrast-cc-sim-",
      );
      expect(run.stderr).toContain("(reference_values_missing)");
      expect(snapshotTree(ws)).toEqual(before);
    },
    SIM_TIMEOUT_MS,
  );
});
