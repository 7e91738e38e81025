// The demo's kubelet: runs the pods of the generated YAML as runc containers, the way a kubelet does through
// containerd. Images come from the ImageStore (by the digest `generate` pinned, unpacked once each); every container gets an overlay root filesystem over that (as containerd's overlayfs
// snapshotter does), the pod's network namespace, its volumes as bind mounts of per-pod host directories and a
// per-pod /etc/hosts. Init containers run in order to completion; native sidecars (restartPolicy Always) start and
// must pass their startup probe before the next container starts; then the app containers start.
//
// The sim TEE stands in for the pod VM's hardware: containers running the product's Coordinator or Initializer image
// in a sim pod get the sim directory (read-only), the pod's initdata document at the path Kata's agent writes it to,
// and the environment that points the binary at both.

import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { type BindMount, patchBundleConfig, type RuntimeSpec } from "./bundle.ts";
import type { CleanupLedger } from "./cleanup.ts";
import { exec, run, tail } from "./host.ts";
import { type ImageStore, imageFor } from "./image-store.ts";
import type { LayoutImage } from "./oci-layout.ts";
import { type ContainerSpec, containerProcess, type PodSpec, type Probe } from "./pod-spec.ts";
import { hostsFile, type TopologyPlan } from "./topology.ts";

export const SIM_MOUNT = "/run/contrast/sim";
/** Where Kata's agent leaves the initdata document in the guest (the Initializer's first candidate path). */
export const INITDATA_MOUNT = "/run/confidential-containers/initdata/initdata.toml";
const SIM_RUNTIME_PREFIX = "contrast-cc-sim-";
/** The emptyDir `generate` adds for the Initializer's files. */
export const SECRETS_VOLUME = "contrast-secrets";
const INIT_TIMEOUT_MS = 60_000;
const PROBE_CAP_MS = 60_000;

export interface KubeletOptions {
  /** Holds containers/ (bundles, overlay layers), pods/ and logs/; the ledger's owner records containers/ for removal. */
  readonly runDir: string;
  readonly ledger: CleanupLedger;
  readonly plan: TopologyPlan;
  /** Where the images come from (by the digest the YAML pins). */
  readonly images: ImageStore;
  /** Names (LayoutImage.name) of the images that get the sim TEE: the Coordinator's and the Initializer's. */
  readonly attestingImages: ReadonlySet<string>;
  readonly simDir: string;
  /** The Service names each pod is reachable under (pod name → names). */
  readonly services: ReadonlyMap<string, readonly string[]>;
}

export class Kubelet {
  constructor(private readonly o: KubeletOptions) {}

  containerId(pod: PodSpec, c: ContainerSpec): string {
    return `ctd-${this.o.plan.tag}-${pod.workload}-${c.name}`;
  }

  logPath(pod: PodSpec, c: ContainerSpec): string {
    return join(this.o.runDir, "logs", `${pod.name}.${c.name}.log`);
  }

  podDir(pod: PodSpec): string {
    return join(this.o.runDir, "pods", pod.name);
  }

  volumeDir(pod: PodSpec, volume: string): string {
    return join(this.podDir(pod), "volumes", volume);
  }

  netns(pod: PodSpec): { netns: string; address: string } {
    const n = this.o.plan.pods.find((p) => p.pod === pod.name);
    if (n === undefined) throw new Error(`pod ${pod.name}: not in the network plan`);
    return n;
  }

  image(c: ContainerSpec): LayoutImage {
    return imageFor(this.o.images.byDigest, c);
  }

  /** Creates the pod's directories, volumes, /etc/hosts and initdata file (the pod sandbox, minus its network). */
  preparePod(pod: PodSpec): void {
    mkdirSync(join(this.o.runDir, "logs"), { recursive: true });
    mkdirSync(this.podDir(pod), { recursive: true });
    for (const v of pod.volumes) mkdirSync(this.volumeDir(pod, v), { recursive: true });
    writeFileSync(join(this.podDir(pod), "hosts"), hostsFile(this.o.plan, pod.name, this.o.services));
    if (pod.initdata !== undefined) writeFileSync(join(this.podDir(pod), "initdata.toml"), pod.initdata);
  }

  /** SHA-256 of the pod's initdata: the HOST_DATA of its (simulated) launch. */
  hostData(pod: PodSpec): string {
    if (pod.initdata === undefined)
      throw new Error(`pod ${pod.name}: expected an initdata annotation, got none`);
    return createHash("sha256").update(pod.initdata).digest("hex");
  }

  /** Runs the pod as a kubelet would; `progress` hears about each container as it is up. */
  async startPod(pod: PodSpec, progress: (c: ContainerSpec, what: string) => void): Promise<void> {
    this.preparePod(pod);
    for (const c of pod.initContainers) {
      if (c.restartPolicy === "Always") {
        await this.startContainer(pod, c);
        if (c.startupProbe !== undefined) await this.probe(pod, c, c.startupProbe);
        progress(c, "sidecar");
      } else {
        await this.runToCompletion(pod, c);
        progress(c, "init");
      }
    }
    for (const c of pod.containers) {
      await this.startContainer(pod, c);
      if (c.startupProbe !== undefined) await this.probe(pod, c, c.startupProbe);
      progress(c, "app");
    }
  }

  /**
   * An init container: runs in the foreground; anything but exit 0 in time fails the pod. `secretsDir` mounts another
   * directory as the secrets volume (a second Initializer that must not replace the running pod's credentials).
   */
  async runToCompletion(pod: PodSpec, c: ContainerSpec, opts: { secretsDir?: string } = {}): Promise<void> {
    const { id, bundle } = await this.createBundle(pod, c, opts);
    const log = openSync(this.logPath(pod, c), "a");
    try {
      const p = Bun.spawn(["runc", "run", "--bundle", bundle, id], {
        stdin: "ignore",
        stdout: log,
        stderr: log,
      });
      const timer = setTimeout(() => void exec(["runc", "kill", id, "KILL"]), INIT_TIMEOUT_MS);
      const code = await p.exited;
      clearTimeout(timer);
      if (code !== 0) {
        throw new Error(`init container ${c.name} of ${pod.name}: exit ${code}\n${this.logTail(pod, c)}`);
      }
    } finally {
      closeSync(log);
    }
    // `runc run` deleted the container when it exited; its root filesystem goes now.
    await this.removeRootfs(id, bundle);
  }

  /** A long-running container: `runc run -d`, output into its log file. */
  async startContainer(pod: PodSpec, c: ContainerSpec): Promise<void> {
    const { id, bundle } = await this.createBundle(pod, c);
    const log = openSync(this.logPath(pod, c), "a");
    try {
      const p = Bun.spawn(["runc", "run", "--detach", "--bundle", bundle, id], {
        stdin: "ignore",
        stdout: log,
        stderr: log,
      });
      if ((await p.exited) !== 0) {
        throw new Error(`container ${c.name} of ${pod.name}: runc run failed\n${this.logTail(pod, c)}`);
      }
    } finally {
      closeSync(log);
    }
  }

  /** Kills and deletes a container and its root filesystem (a container restart starts from a fresh one). */
  async stopContainer(pod: PodSpec, c: ContainerSpec): Promise<void> {
    const id = this.containerId(pod, c);
    await run(["runc", "delete", "--force", id]);
    this.o.ledger.forget({ kind: "container", id });
    await this.removeRootfs(id, join(this.o.runDir, "containers", id));
  }

  /** Polls a startup probe like a kubelet (period from the spec), failing early when the container died. */
  async probe(pod: PodSpec, c: ContainerSpec, p: Probe): Promise<void> {
    const id = this.containerId(pod, c);
    const deadline = Date.now() + Math.min(p.periodSeconds * p.failureThreshold * 1000, PROBE_CAP_MS);
    for (;;) {
      if (await this.probeOnce(pod, id, p)) return;
      const state = await exec(["runc", "state", id]);
      if (state.code !== 0 || !state.stdout.includes('"running"')) {
        throw new Error(
          `container ${c.name} of ${pod.name}: exited before its startup probe passed\n${this.logTail(pod, c)}`,
        );
      }
      if (Date.now() > deadline) {
        throw new Error(
          `container ${c.name} of ${pod.name}: startup probe did not pass in time\n${this.logTail(pod, c)}`,
        );
      }
      await Bun.sleep(Math.min(p.periodSeconds * 1000, 500));
    }
  }

  logTail(pod: PodSpec, c: ContainerSpec, lines = 15): string {
    const path = this.logPath(pod, c);
    return existsSync(path) ? tail(readFileSync(path, "utf8"), lines) : "(no output)";
  }

  private async probeOnce(pod: PodSpec, id: string, p: Probe): Promise<boolean> {
    if (p.exec !== undefined)
      return (await exec(["runc", "exec", id, ...p.exec], { timeoutMs: 10_000 })).code === 0;
    if (p.httpGet !== undefined) {
      try {
        const r = await fetch(`http://${this.netns(pod).address}:${p.httpGet.port}${p.httpGet.path}`, {
          signal: AbortSignal.timeout(2_000),
        });
        await r.arrayBuffer();
        return r.status >= 200 && r.status < 400;
      } catch {
        return false;
      }
    }
    return true;
  }

  private async createBundle(
    pod: PodSpec,
    c: ContainerSpec,
    opts: { secretsDir?: string } = {},
  ): Promise<{ id: string; bundle: string }> {
    const image = this.image(c);
    const unpacked = await this.o.images.unpack(image);
    const id = this.containerId(pod, c);
    const bundle = join(this.o.runDir, "containers", id);
    // A restarted container gets a fresh writable layer; never delete through a root filesystem still mounted.
    const rootfs = join(bundle, "rootfs");
    if (existsSync(rootfs) && statSync(rootfs).dev !== statSync(bundle).dev) {
      throw new Error(`container ${id}: ${rootfs} is still mounted`);
    }
    rmSync(bundle, { recursive: true, force: true });
    for (const d of ["upper", "work", "rootfs"]) mkdirSync(join(bundle, d), { recursive: true });
    await run([
      "mount",
      "-t",
      "overlay",
      "overlay",
      "-o",
      `lowerdir=${join(unpacked, "rootfs")},upperdir=${join(bundle, "upper")},workdir=${join(bundle, "work")}`,
      join(bundle, "rootfs"),
    ]);
    this.o.ledger.record({ kind: "mount", path: join(bundle, "rootfs") });
    const base = JSON.parse(readFileSync(join(unpacked, "config.json"), "utf8")) as RuntimeSpec;
    const sim = this.simFor(pod, image);
    const mounts: BindMount[] = [
      { source: join(this.podDir(pod), "hosts"), destination: "/etc/hosts", readOnly: true },
      ...c.volumeMounts.map((m) => ({
        source:
          m.name === SECRETS_VOLUME && opts.secretsDir !== undefined
            ? opts.secretsDir
            : this.volumeDir(pod, m.name),
        destination: m.mountPath,
        readOnly: m.readOnly,
      })),
      ...sim.mounts,
    ];
    const spec = patchBundleConfig(base, {
      rootfs: "rootfs",
      hostname: pod.name,
      netnsPath: `/var/run/netns/${this.netns(pod).netns}`,
      process: containerProcess(c, image.config, sim.env),
      capabilitiesAdd: c.capabilitiesAdd,
      mounts,
      ...(c.memoryLimitBytes !== undefined ? { memoryLimitBytes: c.memoryLimitBytes } : {}),
    });
    writeFileSync(join(bundle, "config.json"), `${JSON.stringify(spec, null, 2)}\n`);
    // Recorded before it exists: `runc delete --force` of a container that never started is "already gone".
    this.o.ledger.record({ kind: "container", id });
    return { id, bundle };
  }

  private simFor(
    pod: PodSpec,
    image: LayoutImage,
  ): { env: { name: string; value: string }[]; mounts: BindMount[] } {
    if (!pod.runtimeClassName?.startsWith(SIM_RUNTIME_PREFIX) || !this.o.attestingImages.has(image.name)) {
      return { env: [], mounts: [] };
    }
    return {
      env: [
        { name: "CONTRAST_TEE", value: "sim" },
        { name: "CONTRAST_SIM_DIR", value: SIM_MOUNT },
        { name: "CONTRAST_SIM_HOST_DATA", value: this.hostData(pod) },
        { name: "CONTRAST_SIM_INITDATA", value: INITDATA_MOUNT },
      ],
      mounts: [
        { source: this.o.simDir, destination: SIM_MOUNT, readOnly: true },
        { source: join(this.podDir(pod), "initdata.toml"), destination: INITDATA_MOUNT, readOnly: true },
      ],
    };
  }

  private async removeRootfs(id: string, bundle: string): Promise<void> {
    const rootfs = join(bundle, "rootfs");
    await run(["umount", rootfs]);
    this.o.ledger.forget({ kind: "mount", path: rootfs });
    this.o.ledger.forget({ kind: "container", id });
  }
}
