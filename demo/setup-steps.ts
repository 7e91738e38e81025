// The container demo's first steps: images, the sim TEE, `generate`, the network. They end in a Cluster: the pods of
// the generated YAML, the network planned for them and a kubelet to run them.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { APP_IMAGE_NAME, APP_IMAGE_TAG, appYaml, buildAppImage } from "./apps.ts";
import type { CleanupLedger } from "./cleanup.ts";
import type { CommandResult } from "./host.ts";
import { hostPrefixes, run, tail } from "./host.ts";
import { ImageStore, imageFor } from "./image-store.ts";
import { Kubelet } from "./kubelet.ts";
import { startLayoutRegistry } from "./layout-registry.ts";
import { type LayoutImage, readLayoutImage } from "./oci-layout.ts";
import { type PodSpec, readPods, readServices, serviceNames } from "./pod-spec.ts";
import { probeRunc } from "./preflight.ts";
import type { Report } from "./report.ts";
import { planTopology, setupCommands, type TopologyPlan } from "./topology.ts";

const PRODUCT_IMAGES = ["coordinator", "initializer", "service-mesh"] as const;
/** The product images whose containers get the sim TEE: they attest (the Coordinator) or are attested (Initializer). */
const ATTESTING_IMAGES = new Set(["contrast/coordinator", "contrast/initializer"]);
/**
 * The guest's default-deny rule (edgelesssys/contrast internal/defaultdeny), which every pod starts with: the mesh
 * sidecar lifts it once its own rules are in, the Coordinator at start (CONTRAST_REMOVE_DEFAULT_DENY, NET_ADMIN).
 */
const DEFAULT_DENY = ["-m", "conntrack", "!", "--ctstate", "ESTABLISHED,RELATED", "-j", "DROP"];

/** What every step needs: where things go, how to report, how to run the CLI. */
export interface DemoContext {
  readonly repo: string;
  readonly bin: string;
  readonly busybox: string;
  readonly runDir: string;
  readonly ws: string;
  readonly sim: string;
  readonly tag: string;
  readonly report: Report;
  readonly ledger: CleanupLedger;
  /** Runs the CLI from the host (output into logs/cli.log); throws unless it exits with `expect` (default 0). */
  cli(args: string[], expect?: number): Promise<CommandResult>;
}

export interface Cluster {
  readonly plan: TopologyPlan;
  readonly kubelet: Kubelet;
  readonly coordinator: PodSpec;
  readonly server: PodSpec;
  readonly client: PodSpec;
  /** The Coordinator's user API, host:1313. */
  readonly user: string;
}

/** Step: the product's images (images/build.sh) and the app image; a probe container proves runc works here. */
export async function stepImages(ctx: DemoContext): Promise<ImageStore> {
  ctx.report.step("images: the product's own, built with umoci (make images)");
  const version = JSON.parse(readFileSync(join(ctx.repo, "package.json"), "utf8")).version as string;
  await run(["bash", join(ctx.repo, "images/build.sh"), ...PRODUCT_IMAGES], { timeoutMs: 300_000 });
  const images: LayoutImage[] = PRODUCT_IMAGES.map((n) =>
    readLayoutImage(join(ctx.repo, "dist/images", n), `contrast/${n}`, version),
  );
  for (const i of images) {
    ctx.report.ok(`${i.name.padEnd(22)} ${i.digest.slice(0, 19)}…  ${i.config.entrypoint.join(" ")}`);
  }
  // The big directories go last when cleaning up: recorded before anything is mounted in them, they are removed
  // after it is unmounted (and rm never crosses into a mount that is still there).
  for (const d of ["oci", "images", "containers"]) {
    mkdirSync(join(ctx.runDir, d), { recursive: true });
    ctx.ledger.record({ kind: "directory", path: join(ctx.runDir, d) });
  }
  const appLayout = join(ctx.runDir, "oci", "app");
  await buildAppImage(appLayout, ctx.busybox, join(ctx.runDir, "oci", "app-unpacked"));
  const app = readLayoutImage(appLayout, APP_IMAGE_NAME, APP_IMAGE_TAG);
  images.push(app);
  ctx.report.ok(`${app.name.padEnd(22)} ${app.digest.slice(0, 19)}…  busybox (httpd, wget, sh)`);
  await probeRunc(join(ctx.runDir, "oci"), ctx.ledger, app);
  ctx.report.ok("runc runs a container here");
  const store = new ImageStore(join(ctx.runDir, "images"), images);
  store.prefetch();
  return store;
}

/** Step: `contrast sim init`. */
export async function stepSimTee(ctx: DemoContext): Promise<void> {
  ctx.report.step("simulated TEE (contrast sim init)");
  await ctx.cli(["sim", "init", "--dir", ctx.sim]);
  ctx.report.ok("development ARK → ASK → VCEK chain, CRL and reference values that trust only that ARK");
}

/** The image references this build of the CLI names for its own images (`contrast --version`). */
async function productReferences(bin: string): Promise<Map<string, string>> {
  const out = await run([bin, "--version"]);
  const refs = new Map<string, string>();
  for (const m of out.matchAll(/^\s+(coordinator|initializer|service-mesh)\s+(\S+)\s*$/gm))
    refs.set(m[1]!, m[2]!);
  return refs;
}

/**
 * Step: `generate` on the Coordinator's YAML and the apps' YAML, with the demo's images served from a loopback
 * registry (the CLI's own image references mapped onto it by --image-replacements). Every image the YAML then names
 * must be pinned to the digest of an image the demo runs.
 */
export async function stepGenerate(ctx: DemoContext, images: ImageStore): Promise<PodSpec[]> {
  ctx.report.step("contrast generate: policies, manifest, images pinned by digest");
  const registry = startLayoutRegistry([...images.byDigest.values()]);
  try {
    const refs = await productReferences(ctx.bin);
    const version = [...images.byDigest.values()].find((i) => i.name === "contrast/coordinator")!.tag;
    const replacements = [...refs].map(([n, ref]) => `${ref}=${registry.host}/contrast/${n}:${version}`);
    writeFileSync(join(ctx.ws, "image-replacements.txt"), `${replacements.join("\n")}\n`);
    writeFileSync(join(ctx.ws, "coordinator.yaml"), (await ctx.cli(["resources", "coordinator"])).stdout);
    writeFileSync(join(ctx.ws, "app.yaml"), appYaml(registry.host));
    const gen = await ctx.cli([
      "generate",
      "--workspace-dir",
      ctx.ws,
      "--reference-values",
      "sim",
      "--sim-dir",
      ctx.sim,
      "--image-replacements",
      join(ctx.ws, "image-replacements.txt"),
      join(ctx.ws, "coordinator.yaml"),
      join(ctx.ws, "app.yaml"),
    ]);
    ctx.report.ok(tail(gen.stderr, 1).trim());
  } finally {
    registry.stop();
  }
  const pods = readPods(yamlOf(ctx));
  const containers = pods.flatMap((p) => [...p.initContainers, ...p.containers]);
  for (const c of containers) imageFor(images.byDigest, c);
  ctx.report.ok(
    `${pods.length} pods, ${containers.length} containers: every image pinned to the digest of the image that runs`,
  );
  const manifest = JSON.parse(readFileSync(join(ctx.ws, "manifest.json"), "utf8")) as { Policies: object };
  ctx.report.ok(
    `manifest.json: ${Object.keys(manifest.Policies).length} policies (one per pod), sim reference values`,
  );
  return pods;
}

function yamlOf(ctx: DemoContext): string {
  return ["coordinator.yaml", "app.yaml"].map((f) => readFileSync(join(ctx.ws, f), "utf8")).join("\n---\n");
}

/** Step: one network namespace per pod on a bridge, the host on it; every pod starts with the guest's default deny. */
export async function stepNetwork(ctx: DemoContext, pods: PodSpec[], images: ImageStore): Promise<Cluster> {
  ctx.report.step("network: one namespace per pod, veth pairs to a bridge");
  const plan = planTopology(
    ctx.tag,
    pods.map((p) => p.name),
    await hostPrefixes(),
  );
  for (const argv of setupCommands(plan)) {
    await run(argv);
    if (argv[1] === "netns" && argv[2] === "add") ctx.ledger.record({ kind: "netns", name: argv[3]! });
    if (argv[1] === "link" && argv[3] === plan.hostLink)
      ctx.ledger.record({ kind: "link", name: plan.hostLink });
  }
  for (const p of plan.pods)
    ctx.report.ok(`pod ${p.pod.padEnd(14)} ${p.address.padEnd(13)} netns ${p.netns}`);
  ctx.report.ok(
    `host ${plan.hostAddress} on the pods' bridge (link ${plan.hostLink}; bridge in netns ${plan.nodeNetns})`,
  );
  for (const p of plan.pods) {
    await run(["ip", "netns", "exec", p.netns, "iptables", "-A", "INPUT", ...DEFAULT_DENY]);
  }
  ctx.report.ok(
    `${plan.pods.map((p) => p.pod).join(", ")} start closed: the guest's default-deny rule (filter INPUT)`,
  );
  const kubelet = new Kubelet({
    runDir: ctx.runDir,
    ledger: ctx.ledger,
    plan,
    images,
    attestingImages: ATTESTING_IMAGES,
    simDir: ctx.sim,
    services: serviceNames(pods, readServices(yamlOf(ctx))),
  });
  const pod = (workload: string) => {
    const p = pods.find((x) => x.workload === workload);
    if (p === undefined) throw new Error(`generated YAML: expected a workload ${workload}, got none`);
    return p;
  };
  const coordinator = pod("coordinator");
  return {
    plan,
    kubelet,
    coordinator,
    server: pod("server"),
    client: pod("client"),
    user: `${kubelet.netns(coordinator).address}:1313`,
  };
}
