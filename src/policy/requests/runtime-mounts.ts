// OCI mounts and agent storages the Kata shim sends for a container: containerd defaults, kubelet files, volumes, image VOLUMEs.
//
// Host files are copied into the guest as `<shared>/<container id>-<16 hex>-<last element of the destination>`
// (shared-file-name.ts); memory emptyDirs become `ephemeral` storages, disk emptyDirs `local` storages under
// the sandbox rootfs.

import type { IContainer } from "kubernetes-models/v1/Container";
import type { IVolume } from "kubernetes-models/v1/Volume";
import { ConfigError } from "../../common/errors.ts";
import type { PolicyStorage } from "../settings.ts";
import { checkMountPath, sharedFileName } from "../shared-file-name.ts";
import type { PodInstance } from "./pod-instance.ts";
import { KATA } from "./runtime-defaults.ts";

export interface OciMount {
  readonly destination: string;
  readonly source: string;
  readonly type_: string;
  readonly options: readonly string[];
}

/** A storage as the shim sends it: the settings' storage shape, never with an fsGroup. */
export type AgentStorage = Omit<PolicyStorage, "fs_group"> & { readonly fs_group: null };

/** A file or directory the shim shares into the guest; `policy check` also sends a CopyFileRequest for it. */
export interface SharedFile {
  readonly guestPath: string;
  readonly kind: "Regular" | "Directory";
}

export interface ContainerMountSet {
  readonly mounts: readonly OciMount[];
  readonly storages: readonly AgentStorage[];
  readonly sharedFiles: readonly SharedFile[];
}

const m = (destination: string, type_: string, source: string, options: readonly string[]): OciMount => ({
  destination,
  source,
  type_,
  options,
});

/** containerd's default spec mounts; the cgroup mount is not in the sandbox's spec. */
export function systemMounts(privileged: boolean, withCgroup: boolean): OciMount[] {
  const rw = privileged ? "rw" : "ro";
  const out = [
    m("/proc", "proc", "proc", ["nosuid", "noexec", "nodev"]),
    m("/dev", "tmpfs", "tmpfs", ["nosuid", "strictatime", "mode=755", "size=65536k"]),
    m("/dev/pts", "devpts", "devpts", [
      "nosuid",
      "noexec",
      "newinstance",
      "ptmxmode=0666",
      "mode=0620",
      "gid=5",
    ]),
    m("/dev/mqueue", "mqueue", "mqueue", ["nosuid", "noexec", "nodev"]),
    m("/sys", "sysfs", "sysfs", ["nosuid", "noexec", "nodev", rw]),
  ];
  // The kernel reports relatime on the cgroup mount (env_vars fixture).
  if (withCgroup)
    out.push(m("/sys/fs/cgroup", "cgroup", "cgroup", ["nosuid", "noexec", "nodev", "relatime", rw]));
  return out;
}

function propagation(mode: string | undefined): string {
  if (mode === "Bidirectional") return "rshared";
  if (mode === "HostToContainer") return "rslave";
  return "rprivate";
}

class MountBuilder {
  readonly mounts: OciMount[] = [];
  readonly storages: AgentStorage[] = [];
  readonly sharedFiles: SharedFile[] = [];

  constructor(
    private readonly p: PodInstance,
    private readonly cid: string,
    readonly where: string,
  ) {}

  shared(destination: string, options: readonly string[], kind: SharedFile["kind"] = "Regular"): void {
    const name = sharedFileName(destination, this.where);
    const source = `${KATA.shared}/${this.cid}-${this.p.ids.sharedFileInfix(`${this.cid}/${destination}`)}-${name}`;
    this.mounts.push(m(destination, "bind", source, options));
    this.sharedFiles.push({ guestPath: source, kind });
  }

  storage(driver: string, source: string, fstype: string, options: readonly string[], point: string): void {
    this.storages.push({
      driver,
      driver_options: [],
      source,
      fstype,
      options,
      mount_point: point,
      fs_group: null,
      shared: false,
    });
  }
}

const READ_ONLY_KINDS = ["configMap", "secret", "downwardAPI", "projected"] as const;
type VolumeMount = NonNullable<IContainer["volumeMounts"]>[number];

function addVolume(b: MountBuilder, vm: VolumeMount, volume: IVolume, p: PodInstance): void {
  checkMountPath(vm.mountPath, `${b.where} volumeMount ${vm.name}`);
  const alwaysRo = READ_ONLY_KINDS.some((k) => volume[k] !== undefined);
  const opts = ["rbind", propagation(vm.mountPropagation), vm.readOnly === true || alwaysRo ? "ro" : "rw"];
  if (volume.emptyDir !== undefined && vm.subPath === undefined) {
    if (volume.emptyDir.medium === "Memory") {
      const point = `${KATA.ephemeral}/${vm.name}`;
      b.mounts.push(m(vm.mountPath, "bind", point, opts));
      b.storage("ephemeral", "tmpfs", "tmpfs", [], point);
      return;
    }
    const point = `${KATA.shared}/${p.sandboxId}/rootfs/local/${vm.name}`;
    b.mounts.push(m(vm.mountPath, "local", point, opts));
    b.storage("local", "local", "local", ["mode=0777"], point);
    return;
  }
  b.shared(vm.mountPath, opts, vm.subPath ? "Regular" : "Directory");
}

/** Every mount of an app or init container, in the order containerd and the kubelet produce them. */
export function containerMountSet(
  c: IContainer,
  p: PodInstance,
  cid: string,
  imageVolumes: readonly string[],
): ContainerMountSet {
  const b = new MountBuilder(p, cid, `container ${c.name}`);
  const rootRo = c.securityContext?.readOnlyRootFilesystem === true ? "ro" : "rw";
  b.mounts.push(...systemMounts(c.securityContext?.privileged === true, true));
  b.shared("/etc/hosts", ["rbind", "rprivate", "rw"]);
  b.shared(c.terminationMessagePath ?? "/dev/termination-log", ["rbind", "rprivate", "rw"]);
  b.shared("/etc/hostname", ["rbind", "rprivate", rootRo]);
  b.shared("/etc/resolv.conf", ["rbind", "rprivate", rootRo]);
  b.mounts.push(m("/dev/shm", "bind", KATA.shm, ["rbind"]));
  if (p.pod.spec.automountServiceAccountToken !== false) {
    b.shared("/var/run/secrets/kubernetes.io/serviceaccount", ["rbind", "rprivate", "ro"], "Directory");
  }
  for (const vm of c.volumeMounts ?? []) {
    const volume =
      p.pod.spec.volumes?.find((v) => v.name === vm.name) ??
      (p.pod.claimNames.includes(vm.name)
        ? { name: vm.name, persistentVolumeClaim: { claimName: vm.name } }
        : undefined);
    if (volume === undefined)
      throw new ConfigError(
        "volume_missing",
        `container ${c.name}: volumeMount ${vm.name} expected a volume of that name, got none`,
      );
    addVolume(b, vm, volume, p);
  }
  const taken = new Set(b.mounts.map((x) => x.destination));
  for (const v of imageVolumes) if (!taken.has(v)) b.shared(v, ["rbind", "rprivate", "rw"], "Directory");
  return b;
}

/** The sandbox (pause) container's mounts: no cgroup, no kubelet files but a read-only resolv.conf. */
export function sandboxMountSet(p: PodInstance): ContainerMountSet {
  const b = new MountBuilder(p, p.sandboxId, "sandbox");
  b.mounts.push(...systemMounts(false, false));
  b.mounts.push(m("/dev/shm", "bind", KATA.shm, ["rbind"]));
  b.shared("/etc/resolv.conf", ["rbind", "ro", "nosuid", "nodev", "noexec"]);
  return b;
}
