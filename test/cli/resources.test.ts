import { afterEach, describe, expect, test } from "bun:test";
import { parseAllDocuments } from "yaml";
import { registerResources } from "../../src/cli/resources.ts";
import { EXIT } from "../../src/common/errors.ts";
import { COORDINATOR_IMAGE } from "../../src/kube/release-images.ts";
import { listPlatforms, runtimeHandler, simRuntimeHandler } from "../../src/platform/index.ts";
import { type CliResult, runContrast, runInProcess } from "../support/run-in-process.ts";

/** Runs `contrast resources ARGS` in-process, capturing stdout and stderr. */
function resources(args: string[]): Promise<CliResult> {
  return runInProcess(registerResources, ["resources", ...args]);
}

afterEach(() => {
  process.exitCode = 0;
});

describe("contrast resources coordinator", () => {
  test("defaults → StatefulSet and two Services with the build's Coordinator image on stdout", async () => {
    const r = await resources(["coordinator"]);
    expect(r.code).toBe(EXIT.ok);
    const docs = parseAllDocuments(r.stdout);
    expect(docs.map((d) => d.get("kind"))).toEqual(["StatefulSet", "Service", "Service"]);
    expect(r.stdout).toContain(`image: ${COORDINATOR_IMAGE.reference}`);
    expect(r.stdout).not.toContain("namespace:");
  });

  test("--namespace and --image → used in every object", async () => {
    const r = await resources([
      "coordinator",
      "--namespace",
      "team-a",
      "--image",
      "r.example/c@sha256:" + "1".repeat(64),
    ]);
    expect(r.code).toBe(EXIT.ok);
    expect(r.stdout.match(/namespace: team-a/g)?.length).toBe(3);
    expect(r.stdout).toContain("image: r.example/c@sha256:");
  });

  test("invalid namespace → exit 3 and nothing on stdout", async () => {
    const r = await resources(["coordinator", "--namespace", "Team_A"]);
    expect(r.code).toBe(EXIT.config);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("(invalid_namespace)");
  });
});

describe("contrast resources runtime", () => {
  test("--platform → delegated to the runtime resources (RuntimeClass + DaemonSet)", async () => {
    const r = await resources(["runtime", "--platform", "Metal-QEMU-SNP"]);
    expect(r.code).toBe(EXIT.ok);
    const kinds = parseAllDocuments(r.stdout).map((d) => d.get("kind"));
    expect(kinds).toContain("RuntimeClass");
    expect(kinds).toContain("DaemonSet");
  });

  test("unknown platform → exit 3", async () => {
    const r = await resources(["runtime", "--platform", "nope"]);
    expect(r.code).toBe(EXIT.config);
  });

  test("--platform sim → exit 3: the simulated TEE has no runtime to install", async () => {
    const r = await resources(["runtime", "--platform", "sim"]);
    expect(r.code).toBe(EXIT.config);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(
      "got sim: pods on the simulated TEE need no runtime installed (unknown_platform)",
    );
  });
});

describe("contrast runtime", () => {
  test("no --platform → every platform's handler and the sim class; --platform sim → the sim class", async () => {
    const all = await runContrast(["runtime", "--json"]);
    expect(all.code).toBe(EXIT.ok);
    expect(JSON.parse(all.stdout)).toEqual([
      ...listPlatforms().map((p) => ({ platform: p.name, handler: runtimeHandler(p) })),
      { platform: "sim", handler: simRuntimeHandler() },
    ]);
    const sim = await runContrast(["runtime", "--platform", "SIM"]);
    expect(sim.code).toBe(EXIT.ok);
    expect(sim.stdout).toBe(`${simRuntimeHandler()}\n`);
  });
});
