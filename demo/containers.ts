// `make demo` on real containers: the product's own images under runc, one network namespace per pod, the sim TEE.
//
//   images → sim init → generate → network → Coordinator pod → set → server and client pods (Initializer, mesh
//   sidecar, app) → verify → traffic through the mesh → Coordinator restart → recover → old certificates still
//   verify, a new Initializer is admitted → clean up (or, with --keep, how to poke at it).
//
// Everything created on the host is in the run directory's ledger (demo/cleanup.ts) and undone at the end, on
// failure and on Ctrl-C; `make demo-clean DIR=<run dir>` finishes the job for a kept or killed run.

import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { APP_IMAGE_NAME, APP_IMAGE_TAG, buildAppImage } from "./app-image.ts";
import { logLines, plainExchange, verifyChainToRoot, waitFor } from "./checks.ts";
import { CleanupLedger, type UndoAction, undoCommand } from "./cleanup.ts";
import { type CommandResult, exec, hostPrefixes, run, tail } from "./host.ts";
import { imageFor, Kubelet } from "./kubelet.ts";
import { startLayoutRegistry } from "./layout-registry.ts";
import { type LayoutImage, readLayoutImage } from "./oci-layout.ts";
import { type PodSpec, readPods, readServices, serviceNames } from "./pod-spec.ts";
import { Report } from "./report.ts";
import { planTopology, setupCommands, type TopologyPlan } from "./topology.ts";

const PRODUCT_IMAGES = ["coordinator", "initializer", "service-mesh"] as const;
const MESH_EGRESS = "127.137.0.1:8080";
const APP_PORT = 8080;
/** The guest's default-deny rule (contrast-reference §5), which the mesh sidecar lifts once its own rules are in. */
const DEFAULT_DENY = ["-m", "conntrack", "!", "--ctstate", "ESTABLISHED,RELATED", "-j", "DROP"];

export interface ContainerDemoOptions {
  readonly repo: string;
  readonly bin: string;
  readonly busybox: string;
  readonly keep: boolean;
}

/** Thrown before anything is set up when runc cannot run a container here: the caller falls back. */
export class ContainersUnavailable extends Error {}

function appYaml(registry: string): string {
  const image = `${registry}/${APP_IMAGE_NAME}:${APP_IMAGE_TAG}`;
  return `# The demo's two apps, plain HTTP. The mesh sidecar of the server serves its port 8080 with mTLS (ingress: every
# port, client certificates required); the client asks 127.137.0.1:8080, where its sidecar's egress listener carries
# the request over mTLS to "server", whose certificate must name it.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: server
spec:
  replicas: 1
  selector:
    matchLabels: { app: server }
  template:
    metadata:
      labels: { app: server }
      annotations:
        contrast.edgeless.systems/servicemesh-ingress: ""
    spec:
      runtimeClassName: contrast-cc
      containers:
        - name: server
          image: ${image}
          command: ["/bin/sh", "-c"]
          args:
            - 'mkdir -p /tmp/www && echo "hello from $(hostname), through the mesh" > /tmp/www/index.html && exec httpd -f -v -p ${APP_PORT} -h /tmp/www'
          ports: [{ containerPort: ${APP_PORT} }]
---
apiVersion: v1
kind: Service
metadata:
  name: server
spec:
  selector: { app: server }
  ports: [{ port: ${APP_PORT} }]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: client
spec:
  replicas: 1
  selector:
    matchLabels: { app: client }
  template:
    metadata:
      labels: { app: client }
      annotations:
        contrast.edgeless.systems/servicemesh-egress: "server#${MESH_EGRESS}#server:${APP_PORT}"
    spec:
      runtimeClassName: contrast-cc
      containers:
        - name: client
          image: ${image}
          command: ["/bin/sh", "-c"]
          args:
            - 'i=0; while true; do i=$((i+1)); echo "request $i: $(timeout 5 wget -q -O - http://${MESH_EGRESS}/ 2>&1)"; sleep 2; done'
`;
}

/** The image references this build of the CLI names for its own images (`contrast --version`). */
async function productReferences(bin: string): Promise<Map<string, string>> {
  const out = await run([bin, "--version"]);
  const refs = new Map<string, string>();
  for (const m of out.matchAll(/^\s+(coordinator|initializer|service-mesh)\s+(\S+)\s*$/gm))
    refs.set(m[1]!, m[2]!);
  return refs;
}

export async function runContainerDemo(o: ContainerDemoOptions): Promise<number> {
  const report = new Report();
  // Not under /tmp: containers' root filesystems are mounted in here, and a sweep of /tmp must not reach into them.
  const runDir = mkdtempSync(join(process.env.DEMO_DIR ?? "/var/tmp", "contrast-demo-run-"));
  const ledger = new CleanupLedger(join(runDir, "cleanup.json"));
  // Removed last, after a successful run only: after a failure its logs say what went wrong.
  const runDirAction: UndoAction = { kind: "directory", path: runDir };
  ledger.record(runDirAction);
  const logs = join(runDir, "logs");
  const ws = join(runDir, "workspace");
  const sim = join(runDir, "sim");
  mkdirSync(logs, { recursive: true });
  mkdirSync(ws, { recursive: true });
  const cliLog = join(logs, "cli.log");
  const tag = randomBytes(3).toString("hex");

  /** Runs the CLI from the host; its output goes to logs/cli.log. Throws unless it exits with `expect`. */
  const cli = async (args: string[], expect = 0): Promise<CommandResult> => {
    const r = await exec([o.bin, ...args]);
    writeFileSync(cliLog, `$ contrast ${args.join(" ")}\n${r.stdout}${r.stderr}(exit ${r.code})\n\n`, {
      flag: "a",
    });
    if (r.code !== expect) {
      throw new Error(
        `contrast ${args[0]}: expected exit ${expect}, got ${r.code}\n${tail(r.stdout + r.stderr, 15)}`,
      );
    }
    return r;
  };

  let cleaning: Promise<void> | undefined;
  const cleanUp = (keepRunDir: boolean) => {
    cleaning ??= (async () => {
      report.step("clean up");
      if (keepRunDir) ledger.forget(runDirAction);
      const counts = new Map<string, number>();
      const result = await ledger.undoAll(async (argv) => {
        const r = await exec(argv, { timeoutMs: 30_000 });
        return { code: r.code, stderr: r.stderr };
      });
      for (const a of result.undone) counts.set(a.kind, (counts.get(a.kind) ?? 0) + 1);
      const kinds = ["container", "mount", "netns", "link", "directory"];
      report.ok(`undone: ${kinds.map((k) => `${k} ×${counts.get(k) ?? 0}`).join(", ")}`);
      for (const f of result.failed) report.fail(`${undoCommand(f.action).join(" ")}: ${f.error}`);
      if (result.failed.length > 0)
        report.note(`what is left is in ${ledger.file}: make demo-clean DIR=${runDir}`);
      if (keepRunDir) report.note(`logs and workspace kept in ${runDir}`);
    })();
    return cleaning;
  };
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      report.line(`${signal}: still cleaning up, one moment`);
      return;
    }
    stopping = true;
    report.line(`\n${signal}: stopping`);
    void cleanUp(true).then(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  report.line(`contrast demo on containers: runc, one network namespace per pod, the simulated TEE`);
  report.line(`run directory ${runDir}\n`);
  let failed = false;
  let keepInfo: KeepInfo | undefined;
  try {
    // 1. Images.
    report.step("images: the product's own, built with umoci (make images)");
    const version = JSON.parse(readFileSync(join(o.repo, "package.json"), "utf8")).version as string;
    await run(["bash", join(o.repo, "images/build.sh"), ...PRODUCT_IMAGES], { timeoutMs: 300_000 });
    const images: LayoutImage[] = PRODUCT_IMAGES.map((n) =>
      readLayoutImage(join(o.repo, "dist/images", n), `contrast/${n}`, version),
    );
    for (const i of images)
      report.ok(`${i.name.padEnd(22)} ${i.digest.slice(0, 19)}…  ${i.config.entrypoint.join(" ")}`);
    const appLayout = join(runDir, "oci", "app");
    // The big directories (unpacked images, containers' layers) go at the end; they are recorded before what is
    // mounted in them, so they are removed after it is unmounted (and rm never crosses into a mount).
    for (const d of ["oci", "images", "containers"]) {
      mkdirSync(join(runDir, d), { recursive: true });
      ledger.record({ kind: "directory", path: join(runDir, d) });
    }
    await buildAppImage(appLayout, o.busybox, join(runDir, "oci", "app-unpacked"));
    const app = readLayoutImage(appLayout, APP_IMAGE_NAME, APP_IMAGE_TAG);
    images.push(app);
    report.ok(`${app.name.padEnd(22)} ${app.digest.slice(0, 19)}…  busybox (httpd, wget, sh)`);
    await probeRunc(runDir, ledger, app);
    report.ok("runc runs a container here");

    // 2. Sim TEE.
    report.step("simulated TEE (contrast sim init)");
    await cli(["sim", "init", "--dir", sim]);
    report.ok("development ARK → ASK → VCEK chain, CRL and reference values that trust only that ARK");

    // 3. generate.
    report.step("contrast generate: policies, manifest, images pinned by digest");
    const registry = startLayoutRegistry(images);
    try {
      const refs = await productReferences(o.bin);
      const replacements = [...refs].map(([n, ref]) => `${ref}=${registry.host}/contrast/${n}:${version}`);
      writeFileSync(join(ws, "image-replacements.txt"), `${replacements.join("\n")}\n`);
      const coordinatorYaml = (await cli(["resources", "coordinator"])).stdout;
      writeFileSync(join(ws, "coordinator.yaml"), coordinatorYaml);
      writeFileSync(join(ws, "app.yaml"), appYaml(registry.host));
      const gen = await cli([
        "generate",
        "--workspace-dir",
        ws,
        "--reference-values",
        "sim",
        "--sim-dir",
        sim,
        "--image-replacements",
        join(ws, "image-replacements.txt"),
        join(ws, "coordinator.yaml"),
        join(ws, "app.yaml"),
      ]);
      report.ok(tail(gen.stderr, 1).trim());
    } finally {
      registry.stop();
    }
    const yaml = ["coordinator.yaml", "app.yaml"]
      .map((f) => readFileSync(join(ws, f), "utf8"))
      .join("\n---\n");
    const pods = readPods(yaml);
    const services = serviceNames(pods, readServices(yaml));
    const byDigest = new Map(images.map((i) => [i.digest, i]));
    const containers = pods.flatMap((p) => [...p.initContainers, ...p.containers]);
    for (const c of containers) imageFor(byDigest, c); // throws for an image that is not one the demo runs
    report.ok(
      `${pods.length} pods, ${containers.length} containers: every image pinned to the digest of the image that runs`,
    );
    const manifest = JSON.parse(readFileSync(join(ws, "manifest.json"), "utf8")) as { Policies: object };
    report.ok(
      `manifest.json: ${Object.keys(manifest.Policies).length} policies (one per pod), sim reference values`,
    );

    // 4. Network.
    report.step("network: one namespace per pod, veth pairs to a bridge");
    const plan = planTopology(
      tag,
      pods.map((p) => p.name),
      await hostPrefixes(),
    );
    await buildNetwork(plan, ledger);
    for (const p of plan.pods) report.ok(`pod ${p.pod.padEnd(14)} ${p.address.padEnd(13)} netns ${p.netns}`);
    report.ok(
      `host ${plan.hostAddress} on the pods' bridge (link ${plan.hostLink}; bridge in netns ${plan.nodeNetns})`,
    );
    const meshPods = pods.filter((p) => p.initContainers.some((c) => c.restartPolicy === "Always"));
    for (const p of meshPods) {
      await run([
        "ip",
        "netns",
        "exec",
        plan.pods.find((x) => x.pod === p.name)!.netns,
        "iptables",
        "-A",
        "INPUT",
        ...DEFAULT_DENY,
      ]);
    }
    report.ok(
      `${meshPods.map((p) => p.name).join(", ")} start closed: the guest's default-deny rule (filter INPUT)`,
    );

    const kubelet = new Kubelet({
      runDir,
      ledger,
      plan,
      images: byDigest,
      attestingImages: new Set(["contrast/coordinator", "contrast/initializer"]),
      simDir: sim,
      services,
    });
    const pod = (workload: string) => {
      const p = pods.find((x) => x.workload === workload);
      if (p === undefined) throw new Error(`generated YAML: expected a workload ${workload}, got none`);
      return p;
    };
    const coordinator = pod("coordinator");
    const server = pod("server");
    const client = pod("client");
    const address = (p: PodSpec) => kubelet.netns(p).address;
    const user = `${address(coordinator)}:1313`;
    keepInfo = { runDir, plan, kubelet, client, server, user, ws, bin: o.bin };

    // 5. Coordinator.
    report.step("Coordinator pod");
    await kubelet.startPod(coordinator, () => {});
    report.ok(
      `container ${kubelet.containerId(coordinator, coordinator.containers[0]!)} running (runc), state on a host volume`,
    );
    report.ok(`startup probe GET ${address(coordinator)}:9102/probe/startup passed`);
    report.note(`sim TEE: HOST_DATA = ${kubelet.hostData(coordinator)} (SHA-256 of its initdata)`);

    // 6. set.
    report.step(`contrast set -c ${user}`);
    await cli(["set", "-c", user, "--workspace-dir", ws, join(ws, "coordinator.yaml"), join(ws, "app.yaml")]);
    report.ok(
      "Coordinator attested against manifest.json, manifest installed (signed by workload-owner.pem)",
    );
    report.ok(`seed shares in ${join(ws, "seed-shares.json")}`);
    const rootAfterSet = readFileSync(join(ws, "coordinator-root-ca.pem"), "utf8");

    // 7., 8. The app pods.
    for (const p of [server, client]) {
      report.step(`${p.name} pod: Initializer, service-mesh sidecar, app`);
      await kubelet.startPod(p, (c, what) => {
        if (what === "init") {
          const tls = join(kubelet.volumeDir(p, "contrast-secrets"), "tls-config");
          const leaf = verifyChainToRoot(readFileSync(join(tls, "certChain.pem"), "utf8"), rootAfterSet);
          report.ok(
            `Initializer attested the Coordinator against its initdata pin and was admitted: ${leaf.subject}, ${leaf.san}`,
          );
        } else if (what === "sidecar") {
          report.ok(`${c.name} ready (startup probe): inbound rules in place, default-deny lifted`);
        } else {
          report.ok(`app container ${c.name} running`);
        }
      });
      const input = await run(["ip", "netns", "exec", kubelet.netns(p).netns, "iptables", "-S", "INPUT"]);
      if (input.includes("-j DROP") && input.includes("ESTABLISHED"))
        throw new Error(`${p.name}: default-deny rule still there`);
    }

    // 9. verify.
    report.step(`contrast verify -c ${user}`);
    const verified = await cli(["verify", "-c", user, "--workspace-dir", ws]);
    for (const line of verified.stdout.split("\n").filter((l) => /attested|signed|byte-identical/.test(l))) {
      report.ok(line);
    }

    // 10. Traffic.
    report.step("traffic: client → egress → mTLS → ingress → server");
    const clientLog = kubelet.logPath(client, client.containers[0]!);
    const serverLog = kubelet.logPath(server, server.containers[0]!);
    const hellos = () => logLines(clientLog).filter((l) => l.includes(`hello from ${server.name}`));
    if (!(await waitFor(() => hellos().length > 0, 30_000))) {
      throw new Error(`client got no answer through the mesh\n${tail(logLines(clientLog).join("\n"), 10)}`);
    }
    report.ok(`client: ${hellos()[0]!.trim()}`);
    report.note(`(GET http://${MESH_EGRESS}/ in the client pod: its sidecar's egress listener)`);
    // busybox httpd -v logs one "<peer>:<port>: response:<status>" line per request.
    const peers = () =>
      logLines(serverLog)
        .map((l) => /^\[?([0-9a-f.:]+?)\]?:\d+: response:/.exec(l)?.[1])
        .filter((x): x is string => x !== undefined);
    const loopback = (a: string) => a === "::1" || a === "127.0.0.1" || a === "::ffff:127.0.0.1";
    if (peers().length === 0 || !peers().every(loopback)) {
      throw new Error(
        `server log: expected requests from loopback only\n${tail(logLines(serverLog).join("\n"), 10)}`,
      );
    }
    report.ok(
      `server: ${peers().length} request(s), every one from loopback (its sidecar), none from another address`,
    );
    const plain = await plainExchange(address(server), APP_PORT, "GET / HTTP/1.0\r\n\r\n");
    await Bun.sleep(500);
    if (plain.includes("hello") || !peers().every(loopback))
      throw new Error("plain HTTP from the host reached the server app");
    report.ok(
      `plain HTTP from the host to ${address(server)}:${APP_PORT} is taken by the sidecar's TLS: the app never sees it`,
    );

    // 11. Restart.
    report.step("restart the Coordinator container");
    const before = hellos().length;
    await kubelet.stopContainer(coordinator, coordinator.containers[0]!);
    await kubelet.startContainer(coordinator, coordinator.containers[0]!);
    await kubelet.probe(coordinator, coordinator.containers[0]!, coordinator.containers[0]!.startupProbe!);
    report.ok("killed, deleted and started again on the same state volume");
    await cli(["verify", "-c", user, "--workspace-dir", ws], 6);
    report.ok("it comes back locked: verify refuses a Coordinator in recovery mode (exit 6)");
    if (!(await waitFor(() => hellos().length > before, 15_000)))
      throw new Error("mesh traffic stopped with the Coordinator");
    report.ok("the pods kept talking through the mesh meanwhile");

    // 12. Recover.
    report.step(`contrast recover -c ${user}`);
    await cli(["recover", "-c", user, "--workspace-dir", ws]);
    report.ok("its history ends with manifest.json; seed share decrypted with seedshare-owner.pem and sent");
    await cli(["verify", "-c", user, "--workspace-dir", ws]);
    const rootAfterRecover = readFileSync(join(ws, "verify", "coordinator-root-ca.pem"), "utf8");
    if (rootAfterRecover !== rootAfterSet)
      throw new Error("root CA after recover differs from the one set returned");
    report.ok("verify passes again; the root CA is byte-identical to the one set returned");

    // 13. After recovery.
    report.step("after recovery: old certificates, a new Initializer");
    for (const p of [server, client]) {
      const tls = join(kubelet.volumeDir(p, "contrast-secrets"), "tls-config");
      verifyChainToRoot(readFileSync(join(tls, "certChain.pem"), "utf8"), rootAfterRecover);
    }
    report.ok("the server's and client's mesh certificates (issued before the restart) chain to the root CA");
    const fresh = join(kubelet.podDir(client), "second-initializer");
    mkdirSync(fresh, { recursive: true });
    await kubelet.runToCompletion(client, client.initContainers[0]!, { secretsDir: fresh });
    const second = verifyChainToRoot(
      readFileSync(join(fresh, "tls-config/certChain.pem"), "utf8"),
      rootAfterRecover,
    );
    const oldMeshCa = readFileSync(
      join(kubelet.volumeDir(client, "contrast-secrets"), "tls-config/mesh-ca.pem"),
      "utf8",
    );
    const newMeshCa = readFileSync(join(fresh, "tls-config/mesh-ca.pem"), "utf8");
    report.ok(
      `a new Initializer in the client pod is admitted: ${second.subject}, chained to the same root CA`,
    );
    report.note(
      oldMeshCa === newMeshCa
        ? "same mesh CA as before"
        : "under a new mesh CA: the recovered Coordinator made a fresh one",
    );
  } catch (e) {
    failed = true;
    if (e instanceof ContainersUnavailable) throw e;
    if (stopping) return 130; // interrupted: the signal handler cleans up and exits
    report.fail(e instanceof Error ? e.message : String(e));
    report.note(`logs: ${logs}`);
  } finally {
    if (stopping || !o.keep) await cleanUp(failed || stopping);
    else if (keepInfo !== undefined) printKeep(report, keepInfo, ledger.pending());
    else
      report.line(`\n--keep: nothing was started yet; make demo-clean DIR=${runDir} removes what is there`);
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  report.line(
    failed ? `\ndemo FAILED after ${report.elapsed()} s` : `\ndemo complete in ${report.elapsed()} s`,
  );
  return failed ? 1 : 0;
}

/**
 * Runs busybox `true` on an overlay root filesystem, as every demo container runs: proves that runc and overlay
 * mounts work here before anything else is set up (else the caller falls back to the process demo).
 */
async function probeRunc(runDir: string, ledger: CleanupLedger, app: LayoutImage): Promise<void> {
  const unpacked = join(runDir, "oci", "probe-image");
  const bundle = join(runDir, "oci", "probe");
  await run(["umoci", "unpack", "--image", `${app.layout}:${app.tag}`, unpacked]);
  for (const d of ["upper", "work", "rootfs"]) mkdirSync(join(bundle, d), { recursive: true });
  const rootfs = join(bundle, "rootfs");
  const overlay = `lowerdir=${join(unpacked, "rootfs")},upperdir=${join(bundle, "upper")},workdir=${join(bundle, "work")}`;
  const mount = await exec(["mount", "-t", "overlay", "overlay", "-o", overlay, rootfs]);
  if (mount.code !== 0)
    throw new ContainersUnavailable(`cannot mount an overlay filesystem: ${mount.stderr.trim()}`);
  const mounted: UndoAction = { kind: "mount", path: rootfs };
  ledger.record(mounted);
  const config = JSON.parse(readFileSync(join(unpacked, "config.json"), "utf8"));
  config.process.terminal = false;
  delete config.process.rlimits;
  config.process.args = ["/bin/busybox", "true"];
  config.root = { path: rootfs, readonly: false };
  writeFileSync(join(bundle, "config.json"), JSON.stringify(config));
  const id = `ctd-probe-${process.pid}`;
  const probe: UndoAction = { kind: "container", id };
  ledger.record(probe);
  const r = await exec(["runc", "run", "--bundle", bundle, id], { timeoutMs: 30_000 });
  ledger.forget(probe);
  await run(["umount", rootfs]);
  ledger.forget(mounted);
  if (r.code !== 0)
    throw new ContainersUnavailable(`runc cannot run a container here: ${tail(r.stderr || r.stdout, 3)}`);
}

async function buildNetwork(plan: TopologyPlan, ledger: CleanupLedger): Promise<void> {
  for (const argv of setupCommands(plan)) {
    await run(argv);
    if (argv[1] === "netns" && argv[2] === "add") ledger.record({ kind: "netns", name: argv[3]! });
    if (argv[1] === "link" && argv[2] === "add" && argv[3] === plan.hostLink)
      ledger.record({ kind: "link", name: plan.hostLink });
  }
}

interface KeepInfo {
  readonly runDir: string;
  readonly plan: TopologyPlan;
  readonly kubelet: Kubelet;
  readonly client: PodSpec;
  readonly server: PodSpec;
  readonly user: string;
  readonly ws: string;
  readonly bin: string;
}

/** --keep: what is running, how to poke at it, how to clean up (also after a failure, to look at what broke). */
function printKeep(report: Report, k: KeepInfo, pending: readonly UndoAction[]): void {
  const ns = (p: PodSpec) => k.kubelet.netns(p).netns;
  const clientApp = k.kubelet.containerId(k.client, k.client.containers[0]!);
  report.line(`\nleft running (--keep); run directory ${k.runDir}`);
  report.line(
    [
      "  runc list                                                     # the containers",
      `  runc exec ${clientApp} wget -qO- http://${MESH_EGRESS}/   # from the client app, through the mesh`,
      `  ip netns exec ${ns(k.client)} curl -s http://${MESH_EGRESS}/      # the same from the host's curl`,
      `  ip netns exec ${ns(k.client)} socat - TCP:${MESH_EGRESS}`,
      `  curl -v http://${k.kubelet.netns(k.server).address}:${APP_PORT}/                          # plain: refused by the server's sidecar`,
      `  ${k.bin} verify -c ${k.user} --workspace-dir ${k.ws}`,
      `  ip netns exec ${ns(k.server)} iptables -t nat -S CONTRAST_MESH_INBOUND`,
      `  tail -f ${k.runDir}/logs/*.log`,
      "clean up:",
      `  make demo-clean DIR=${k.runDir}`,
      "  (or by hand, in this order:)",
      ...pending.map((a) => `  ${undoCommand(a).join(" ")}`),
    ].join("\n"),
  );
}
