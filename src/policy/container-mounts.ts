// Mounts and storages a container gets: runtime defaults, shared files (/etc/hosts …), volumes, image VOLUMEs (Kata Containers src/tools/genpolicy/src/mount_and_storage.rs, REQUESTS.md).

import type { IContainer } from "kubernetes-models/v1/Container";
import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import type { IVolume } from "kubernetes-models/v1/Volume";
import { ConfigError } from "../common/errors.ts";
import type { ImageConfig } from "./image/image-config.ts";
import type { Settings } from "./settings.ts";
import { checkMountPath, sharedFileName } from "./shared-file-name.ts";
import { escapeRegex } from "./value-pattern.ts";

/** One allowed mount; `source` is an anchored regex that may contain `$(bundle-id)` / `$(sandbox-id)`. */
export interface MountPolicy {
  readonly destination: string;
  readonly type_: string;
  readonly source: string;
  readonly options: readonly string[];
}

/** One allowed storage besides the image; `mount_point` is an anchored regex with the same placeholders. */
export interface StoragePolicy {
  readonly driver: string;
  readonly source: string;
  readonly fstype: string;
  readonly options: readonly string[];
  readonly mount_point: string;
}

const EPHEMERAL = "/run/kata-containers/sandbox/ephemeral/";

function exact(s: string): string {
  return `^${escapeRegex(s)}$`;
}

/** Kernel filesystems every container gets from containerd's default spec. */
function systemMounts(privileged: boolean, withCgroup: boolean): MountPolicy[] {
  const rw = privileged ? "rw" : "ro";
  const out: MountPolicy[] = [
    { destination: "/proc", type_: "proc", source: exact("proc"), options: ["nosuid", "noexec", "nodev"] },
    {
      destination: "/dev",
      type_: "tmpfs",
      source: exact("tmpfs"),
      options: ["nosuid", "strictatime", "mode=755", "size=65536k"],
    },
    {
      destination: "/dev/pts",
      type_: "devpts",
      source: exact("devpts"),
      options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"],
    },
    {
      destination: "/dev/mqueue",
      type_: "mqueue",
      source: exact("mqueue"),
      options: ["nosuid", "noexec", "nodev"],
    },
    {
      destination: "/sys",
      type_: "sysfs",
      source: exact("sysfs"),
      options: ["nosuid", "noexec", "nodev", rw],
    },
    {
      destination: "/dev/shm",
      type_: "bind",
      source: exact("/run/kata-containers/sandbox/shm"),
      options: ["rbind"],
    },
  ];
  if (withCgroup) {
    out.push({
      destination: "/sys/fs/cgroup",
      type_: "cgroup",
      source: exact("cgroup"),
      options: ["nosuid", "noexec", "nodev", rw],
    });
  }
  return out;
}

/** A file the runtime shares into the guest, named after the destination's last element (shared-file-name.ts). */
function shared(
  settings: Settings,
  destination: string,
  options: readonly string[],
  where: string,
): MountPolicy {
  const name = escapeRegex(sharedFileName(destination, where));
  return { destination, type_: "bind", source: `${settings.common.shared_file_regex}${name}$`, options };
}

/** The sandbox (pause) container's mounts. */
export function sandboxMounts(settings: Settings): MountPolicy[] {
  return [
    ...systemMounts(false, false),
    shared(settings, "/etc/resolv.conf", ["rbind", "ro", "nosuid", "nodev", "noexec"], "sandbox"),
  ];
}

function propagation(mode: string | undefined): string {
  if (mode === "Bidirectional") return "rshared";
  if (mode === "HostToContainer") return "rslave";
  return "rprivate";
}

const READ_ONLY_KINDS = ["configMap", "secret", "downwardAPI", "projected"] as const;

function volumeMount(
  vm: NonNullable<IContainer["volumeMounts"]>[number],
  volume: IVolume | undefined,
  settings: Settings,
  where: string,
): { mount: MountPolicy; storage?: StoragePolicy } {
  checkMountPath(vm.mountPath, `${where} volumeMount ${vm.name}`);
  const prop = propagation(vm.mountPropagation);
  const alwaysRo = volume !== undefined && READ_ONLY_KINDS.some((k) => volume[k] !== undefined);
  const mode = vm.readOnly === true || alwaysRo ? "ro" : "rw";
  if (volume?.emptyDir !== undefined && vm.subPath === undefined) {
    if (volume.emptyDir.medium === "Memory") {
      const point = `^${escapeRegex(EPHEMERAL + vm.name)}$`;
      return {
        mount: { destination: vm.mountPath, type_: "bind", source: point, options: ["rbind", prop, mode] },
        storage: { driver: "ephemeral", source: "^tmpfs$", fstype: "tmpfs", options: [], mount_point: point },
      };
    }
    const point = `^${escapeRegex(settings.common.cpath)}/$(sandbox-id)/rootfs/local/${escapeRegex(vm.name)}$`;
    return {
      mount: { destination: vm.mountPath, type_: "local", source: point, options: ["rbind", prop, mode] },
      storage: {
        driver: "local",
        source: "^local$",
        fstype: "local",
        options: ["mode=0777"],
        mount_point: point,
      },
    };
  }
  if (volume === undefined) {
    throw new ConfigError(
      "volume_missing",
      `${where}: volumeMount ${vm.name} expected a volume of that name, got none`,
    );
  }
  return { mount: shared(settings, vm.mountPath, ["rbind", prop, mode], `${where} volumeMount ${vm.name}`) };
}

export interface ContainerMounts {
  readonly mounts: readonly MountPolicy[];
  readonly storages: readonly StoragePolicy[];
}

/** Every mount an app or init container may receive. `claimNames` are StatefulSet volumeClaimTemplates. */
export function containerMounts(
  c: IContainer,
  pod: IPodSpec,
  image: ImageConfig,
  claimNames: readonly string[],
  settings: Settings,
  where: string,
): ContainerMounts {
  const privileged = c.securityContext?.privileged === true;
  const rootRo = c.securityContext?.readOnlyRootFilesystem === true ? "ro" : "rw";
  const mounts: MountPolicy[] = [
    ...systemMounts(privileged, true),
    shared(settings, "/etc/hosts", ["rbind", "rprivate", "rw"], where),
    shared(
      settings,
      c.terminationMessagePath ?? "/dev/termination-log",
      ["rbind", "rprivate", "rw"],
      `${where} terminationMessagePath`,
    ),
    shared(settings, "/etc/hostname", ["rbind", "rprivate", rootRo], where),
    shared(settings, "/etc/resolv.conf", ["rbind", "rprivate", rootRo], where),
  ];
  if (pod.automountServiceAccountToken !== false) {
    mounts.push(
      shared(settings, "/var/run/secrets/kubernetes.io/serviceaccount", ["rbind", "rprivate", "ro"], where),
    );
  }
  const storages: StoragePolicy[] = [];
  for (const vm of c.volumeMounts ?? []) {
    const volume =
      pod.volumes?.find((v) => v.name === vm.name) ??
      (claimNames.includes(vm.name)
        ? { name: vm.name, persistentVolumeClaim: { claimName: vm.name } }
        : undefined);
    const r = volumeMount(vm, volume, settings, where);
    mounts.push(r.mount);
    if (r.storage !== undefined && !storages.some((s) => s.mount_point === r.storage?.mount_point))
      storages.push(r.storage);
  }
  const taken = new Set(mounts.map((m) => m.destination));
  for (const v of image.Volumes ?? []) {
    if (!taken.has(v)) mounts.push(shared(settings, v, ["rbind", "rprivate", "rw"], `${where} image VOLUME`));
  }
  return { mounts, storages };
}
