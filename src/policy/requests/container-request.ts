// CreateContainerRequest as the Kata shim sends it for the pause container and for each init or app container (REQUESTS.md).

import type { IContainer } from "kubernetes-models/v1/Container";
import { PAUSE_IMAGE } from "../../platform/platforms.ts";
import type { ResolvedImage } from "../image/image-config.ts";
import { sandboxUser } from "../sandbox-user.ts";
import type { PodInstance } from "./pod-instance.ts";
import {
  CONTAINERD_DEFAULT_CAPS,
  CONTAINERD_MASKED_PATHS,
  CONTAINERD_READONLY_PATHS,
  DEFAULT_PATH_ENV,
  KATA,
  PAUSE_UID,
  SANDBOX_SYSCTLS,
} from "./runtime-defaults.ts";
import { containerEnv, kubeletEnv } from "./runtime-env.ts";
import {
  type AgentStorage,
  type ContainerMountSet,
  containerMountSet,
  sandboxMountSet,
} from "./runtime-mounts.ts";
import {
  type OciCapabilities,
  type OciUser,
  runtimeArgs,
  runtimeCapabilities,
  runtimeCwd,
  runtimeUser,
} from "./runtime-process.ts";

export interface OciProcess {
  readonly Terminal: boolean;
  readonly ConsoleSize: null;
  readonly User: OciUser;
  readonly Args: readonly string[];
  readonly Env: readonly string[];
  readonly Cwd: string;
  readonly Capabilities: OciCapabilities;
  readonly Rlimits: readonly never[];
  readonly NoNewPrivileges: boolean;
  readonly ApparmorProfile: string;
  readonly OOMScoreAdj: number;
  readonly SelinuxLabel: string;
}

/** A built container: its request plus what later requests (exec, copy, read) need. */
export interface BuiltContainer {
  readonly containerId: string;
  readonly name: string;
  readonly request: Record<string, unknown>;
  readonly process: OciProcess;
  readonly mounts: ContainerMountSet;
}

function linux(
  p: PodInstance,
  cid: string,
  sysctl: Record<string, string>,
  privileged: boolean,
  sandbox: boolean,
) {
  const ns = ["ipc", "uts", "mount"].filter(
    (t) => !(sandbox && t === "uts" && p.pod.spec.hostNetwork === true),
  );
  return {
    UIDMappings: [],
    GIDMappings: [],
    Sysctl: sysctl,
    Resources: {
      Devices: [],
      Memory: {
        Limit: 0,
        Reservation: 0,
        Swap: 0,
        Kernel: 0,
        KernelTCP: 0,
        Swappiness: 0,
        DisableOOMKiller: false,
      },
      CPU: { Shares: 2, Quota: 0, Period: 100000, RealtimeRuntime: 0, RealtimePeriod: 0, Cpus: "", Mems: "" },
      Pids: null,
      BlockIO: null,
      HugepageLimits: [],
      Network: null,
    },
    CgroupsPath: `kubepods-besteffort-pod${p.uid.replaceAll("-", "_")}.slice:cri-containerd:${cid}`,
    Namespaces: ns.map((Type) => ({ Type, Path: "" })),
    Devices: [],
    Seccomp: null,
    RootfsPropagation: "",
    MaskedPaths: privileged ? [] : [...CONTAINERD_MASKED_PATHS],
    ReadonlyPaths: privileged ? [] : [...CONTAINERD_READONLY_PATHS],
    MountLabel: "",
    IntelRdt: null,
  };
}

function guestPull(source: string, root: string, annotations: Record<string, string>): AgentStorage {
  return {
    driver: "image_guest_pull",
    driver_options: [`image_guest_pull=${JSON.stringify({ metadata: annotations })}`],
    source,
    fstype: "overlay",
    options: [],
    mount_point: root,
    fs_group: null,
    shared: false,
  };
}

function request(
  cid: string,
  oci: Record<string, unknown>,
  storages: readonly AgentStorage[],
): Record<string, unknown> {
  return {
    container_id: cid,
    exec_id: cid,
    string_user: null,
    devices: [],
    storages,
    OCI: oci,
    sandbox_pidns: false,
    shared_mounts: [],
    stdin_port: 0,
    stdout_port: 0,
    stderr_port: 0,
  };
}

function sortedRecord(r: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function podSysctls(p: PodInstance): Record<string, string> {
  return Object.fromEntries((p.pod.spec.securityContext?.sysctls ?? []).map((s) => [s.name, s.value]));
}

/** The pause container: read-only root, UID 65535, `/pause`, sandbox sysctls, CRI sandbox annotations. */
export function buildSandboxContainer(p: PodInstance): BuiltContainer {
  const cid = p.sandboxId;
  const root = KATA.rootfs(cid);
  const annotations = sortedRecord({
    "io.katacontainers.pkg.oci.bundle_path": KATA.bundle(cid),
    "io.katacontainers.pkg.oci.container_type": "pod_sandbox",
    "io.kubernetes.cri.container-type": "sandbox",
    "io.kubernetes.cri.podsandbox.image-name": PAUSE_IMAGE,
    "io.kubernetes.cri.sandbox-id": cid,
    "io.kubernetes.cri.sandbox-log-directory": `/var/log/pods/${p.namespace}_${p.podName}_${p.uid}`,
    "io.kubernetes.cri.sandbox-name": p.podName,
    "io.kubernetes.cri.sandbox-namespace": p.namespace,
    "io.kubernetes.cri.sandbox-uid": p.uid,
    "nerdctl/network-namespace": `/var/run/netns/cni-${p.ids.uuid("netns")}`,
  });
  const process: OciProcess = {
    Terminal: false,
    ConsoleSize: null,
    User: {
      ...sandboxUser(p.pod.spec.securityContext, { uid: PAUSE_UID, gid: PAUSE_UID }, `pod ${p.podName}`),
      Username: "",
    },
    Args: ["/pause"],
    Env: [DEFAULT_PATH_ENV],
    Cwd: "/",
    Capabilities: {
      Bounding: [...CONTAINERD_DEFAULT_CAPS],
      Effective: [...CONTAINERD_DEFAULT_CAPS],
      Inheritable: [],
      Permitted: [...CONTAINERD_DEFAULT_CAPS],
      Ambient: [],
    },
    Rlimits: [],
    NoNewPrivileges: true,
    ApparmorProfile: "cri-containerd.apparmor.d",
    OOMScoreAdj: -998,
    SelinuxLabel: "",
  };
  const sysctl = { ...(p.pod.spec.hostNetwork === true ? {} : SANDBOX_SYSCTLS), ...podSysctls(p) };
  const mounts = sandboxMountSet(p);
  const oci = {
    Version: "1.1.0",
    Process: process,
    Root: { Path: root, Readonly: true },
    Hostname: p.hostname,
    Mounts: mounts.mounts,
    Hooks: null,
    Annotations: annotations,
    Linux: linux(p, cid, sysctl, false, true),
    Solaris: null,
    Windows: null,
  };
  // Kata pulls the pause image in the guest under the name "pause" (state/createcontainer fixture).
  const storages = [guestPull("pause", root, annotations)];
  return { containerId: cid, name: "", request: request(cid, oci, storages), process, mounts };
}

/** The reference containerd reports: a digest wins over a tag, which is dropped (`repo@sha256:…`). */
function imageName(image: ResolvedImage): string {
  return `${image.repository}@${image.digest}`;
}

/** An init or app container of the pod. */
export function buildAppContainer(p: PodInstance, c: IContainer, image: ResolvedImage): BuiltContainer {
  const cid = p.ids.containerId(`container/${c.name}`);
  const where = `pod ${p.podName} container ${c.name}`;
  const root = KATA.rootfs(cid);
  const kubelet = kubeletEnv(c, p, where);
  const privileged = c.securityContext?.privileged === true;
  const process: OciProcess = {
    Terminal: c.tty === true,
    ConsoleSize: null,
    User: runtimeUser(c, p, image.config, where),
    Args: runtimeArgs(c, image.config, kubelet),
    Env: containerEnv(c, image.config, kubelet, p),
    Cwd: runtimeCwd(c, image.config),
    Capabilities: runtimeCapabilities(c),
    Rlimits: [],
    NoNewPrivileges: c.securityContext?.allowPrivilegeEscalation === false,
    ApparmorProfile: privileged ? "" : "cri-containerd.apparmor.d",
    OOMScoreAdj: 1000,
    SelinuxLabel: "",
  };
  const annotations = sortedRecord({
    "io.katacontainers.pkg.oci.bundle_path": KATA.bundle(cid),
    "io.katacontainers.pkg.oci.container_type": "pod_container",
    "io.kubernetes.cri.container-name": c.name,
    "io.kubernetes.cri.container-type": "container",
    "io.kubernetes.cri.image-name": imageName(image),
    "io.kubernetes.cri.sandbox-id": p.sandboxId,
    "io.kubernetes.cri.sandbox-name": p.podName,
    "io.kubernetes.cri.sandbox-namespace": p.namespace,
    "io.kubernetes.cri.sandbox-uid": p.uid,
  });
  const mounts = containerMountSet(c, p, cid, image.config.Volumes ?? []);
  const oci = {
    Version: "1.1.0",
    Process: process,
    Root: { Path: root, Readonly: c.securityContext?.readOnlyRootFilesystem === true },
    Hostname: "",
    Mounts: mounts.mounts,
    Hooks: null,
    Annotations: annotations,
    Linux: linux(p, cid, podSysctls(p), privileged, false),
    Solaris: null,
    Windows: null,
  };
  const storages = [guestPull(imageName(image), root, annotations), ...mounts.storages];
  const req = request(cid, oci, storages);
  req.sandbox_pidns = p.pod.spec.shareProcessNamespace === true;
  return { containerId: cid, name: c.name, request: req, process, mounts };
}
