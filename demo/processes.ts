// `make demo-processes` (and `make demo` where containers cannot run): the whole product on the simulated TEE with the
// built binary and real processes on loopback:
// sim init → resources coordinator → generate → Coordinator → set → Initializer (verifies the Coordinator) → verify.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, tempDir, waitForHttp } from "../test/support/harness.ts";
import { startDemoRegistry } from "./stub-registry.ts";

/** Runs the process demo with the binary at `bin`; throws when a step fails. */
export async function runProcessDemo(BIN: string): Promise<void> {
  /** Runs the binary without blocking this process, which also serves the demo registry. */
  async function run(args: string[], env: Record<string, string> = {}, quiet = false): Promise<string> {
    process.stdout.write(`\n$ contrast ${args.join(" ")}\n`);
    const p = Bun.spawn([BIN, ...args], { env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
    const [out, err, code] = await Promise.all([
      new Response(p.stdout).text(),
      new Response(p.stderr).text(),
      p.exited,
    ]);
    process.stdout.write((quiet ? `(${out.split("\n").length} lines of YAML)\n` : out) + err);
    if (code !== 0) throw new Error(`contrast ${args[0]} exited with ${code}`);
    return out;
  }

  const dir = tempDir("demo");
  const ws = join(dir, "workspace");
  mkdirSync(ws, { recursive: true });
  const registry = startDemoRegistry([
    {
      name: "demo/web",
      tag: "1.0",
      config: { Entrypoint: ["/bin/web"], Cmd: ["--port=8080"], Env: ["PATH=/bin"], User: "1000:1000" },
    },
    { name: "contrast/initializer", tag: "dev", config: { Entrypoint: ["/bin/contrast", "initializer"] } },
    { name: "contrast/coordinator", tag: "dev", config: { Entrypoint: ["/bin/contrast", "coordinator"] } },
  ]);
  let coordinator: ReturnType<typeof Bun.spawn> | undefined;
  try {
    await run(["sim", "init", "--dir", join(dir, "sim")]);
    const coordinatorYaml = await run(
      ["resources", "coordinator", "--image", `${registry.host}/contrast/coordinator:dev`],
      {},
      true,
    );
    writeFileSync(join(ws, "coordinator.yaml"), coordinatorYaml);
    writeFileSync(
      join(ws, "web.yaml"),
      `# The app: one confidential Deployment.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      runtimeClassName: contrast-cc
      containers:
        - name: web
          image: ${registry.host}/demo/web:1.0
          ports: [{ containerPort: 8080 }]
`,
    );
    // A development build names its Initializer image by tag in a registry that is not running: use the demo's.
    await run([
      "generate",
      "--workspace-dir",
      ws,
      "--reference-values",
      "sim",
      "--sim-dir",
      join(dir, "sim"),
      "--initializer-image",
      `${registry.host}/contrast/initializer:dev`,
      join(ws, "coordinator.yaml"),
      join(ws, "web.yaml"),
    ]);
    await run(["policy", "check", join(ws, "web.yaml"), "--layers-cache", join(ws, "layers-cache.json")]);
    const manifest = JSON.parse(readFileSync(join(ws, "manifest.json"), "utf8")) as {
      Policies: Record<string, { SANs: string[]; Role?: string }>;
    };
    const entries = Object.entries(manifest.Policies);
    const coordinatorPolicy = entries.find(([, e]) => e.Role === "coordinator")![0];
    const webPolicy = entries.find(([, e]) => e.SANs[0] === "web")![0];
    const ports = { user: await freePort(), mesh: await freePort(), probe: await freePort() };
    process.stdout.write(`\n$ contrast coordinator --tee sim … (policy ${coordinatorPolicy}) &\n`);
    coordinator = Bun.spawn(
      [
        BIN,
        "coordinator",
        "--tee=sim",
        `--sim-dir=${join(dir, "sim")}`,
        `--sim-host-data=${coordinatorPolicy}`,
        `--state-dir=${join(dir, "state")}`,
        `--user-api-addr=127.0.0.1:${ports.user}`,
        `--mesh-api-addr=127.0.0.1:${ports.mesh}`,
        `--probe-addr=127.0.0.1:${ports.probe}`,
      ],
      { stdout: "ignore", stderr: "inherit", env: { ...process.env, CONTRAST_LOG_LEVEL: "warn" } },
    );
    await waitForHttp(`http://127.0.0.1:${ports.probe}/probe/startup`);
    await run([
      "set",
      "-c",
      `127.0.0.1:${ports.user}`,
      "--workspace-dir",
      ws,
      join(ws, "coordinator.yaml"),
      join(ws, "web.yaml"),
    ]);
    await run(
      [
        "initializer",
        "--tee=sim",
        `--sim-dir=${join(dir, "sim")}`,
        // The pod's own initdata as generate wrote it: the sim launch binds its SHA-256 as HOST_DATA, and the
        // Initializer verifies the Coordinator against the pin inside it before it writes anything.
        `--sim-initdata=${join(ws, "policies", `${webPolicy}.toml`)}`,
        `--out-dir=${join(dir, "web-pod")}`,
        "--timeout=30s",
      ],
      { COORDINATOR_HOST: `127.0.0.1:${ports.mesh}` },
    );
    await run(["verify", "-c", `127.0.0.1:${ports.user}`, "--workspace-dir", ws]);
    process.stdout.write(
      `\ndemo complete: the web pod's mesh certificate and workload secret are in ${join(dir, "web-pod")}, the audited history in ${join(ws, "verify")}\n`,
    );
  } finally {
    coordinator?.kill();
    registry.stop();
  }
}
