// Values containerd, the kubelet and the Kata shim put into every pod, independent of our generator settings.
//
// These are runtime facts (containerd 1.7/2.0 defaults, Kata guest layout as recorded in the Kata fixtures,
// REQUESTS.md); the policy must allow them, so they are kept apart from `default-settings.json` on purpose.

/** containerd's default capability set (pkg/oci/spec.go), in its order. */
export const CONTAINERD_DEFAULT_CAPS: readonly string[] = [
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_FSETID",
  "CAP_FOWNER",
  "CAP_MKNOD",
  "CAP_NET_RAW",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETFCAP",
  "CAP_SETPCAP",
  "CAP_NET_BIND_SERVICE",
  "CAP_SYS_CHROOT",
  "CAP_KILL",
  "CAP_AUDIT_WRITE",
];

/** Every capability a privileged container gets (kernel 5.9+ list, as containerd's GetAllCapabilities). */
export const ALL_CAPS: readonly string[] = [
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_DAC_READ_SEARCH",
  "CAP_FOWNER",
  "CAP_FSETID",
  "CAP_KILL",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETPCAP",
  "CAP_LINUX_IMMUTABLE",
  "CAP_NET_BIND_SERVICE",
  "CAP_NET_BROADCAST",
  "CAP_NET_ADMIN",
  "CAP_NET_RAW",
  "CAP_IPC_LOCK",
  "CAP_IPC_OWNER",
  "CAP_SYS_MODULE",
  "CAP_SYS_RAWIO",
  "CAP_SYS_CHROOT",
  "CAP_SYS_PTRACE",
  "CAP_SYS_PACCT",
  "CAP_SYS_ADMIN",
  "CAP_SYS_BOOT",
  "CAP_SYS_NICE",
  "CAP_SYS_RESOURCE",
  "CAP_SYS_TIME",
  "CAP_SYS_TTY_CONFIG",
  "CAP_MKNOD",
  "CAP_LEASE",
  "CAP_AUDIT_WRITE",
  "CAP_AUDIT_CONTROL",
  "CAP_SETFCAP",
  "CAP_MAC_OVERRIDE",
  "CAP_MAC_ADMIN",
  "CAP_SYSLOG",
  "CAP_WAKE_ALARM",
  "CAP_BLOCK_SUSPEND",
  "CAP_AUDIT_READ",
  "CAP_PERFMON",
  "CAP_BPF",
  "CAP_CHECKPOINT_RESTORE",
];

/** containerd's masked paths (the env_vars fixture shows /sys/devices/virtual/powercap too). */
export const CONTAINERD_MASKED_PATHS: readonly string[] = [
  "/proc/asound",
  "/proc/acpi",
  "/proc/kcore",
  "/proc/keys",
  "/proc/latency_stats",
  "/proc/timer_list",
  "/proc/timer_stats",
  "/proc/sched_debug",
  "/proc/scsi",
  "/sys/firmware",
  "/sys/devices/virtual/powercap",
];

export const CONTAINERD_READONLY_PATHS: readonly string[] = [
  "/proc/bus",
  "/proc/fs",
  "/proc/irq",
  "/proc/sys",
  "/proc/sysrq-trigger",
];

export const DEFAULT_PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Sysctls containerd sets on a sandbox that is not on the host network. */
export const SANDBOX_SYSCTLS: Readonly<Record<string, string>> = {
  "net.ipv4.ip_unprivileged_port_start": "0",
  "net.ipv4.ping_group_range": "0 2147483647",
};

/** Kata guest paths (REQUESTS.md). */
export const KATA = {
  shared: "/run/kata-containers/shared/containers",
  shm: "/run/kata-containers/sandbox/shm",
  ephemeral: "/run/kata-containers/sandbox/ephemeral",
  rootfs: (cid: string) => `/run/kata-containers/${cid}/rootfs`,
  bundle: (cid: string) => `/run/containerd/io.containerd.runtime.v2.task/k8s.io/${cid}`,
} as const;

/** The shm storage the Kata shim sends in every CreateSandboxRequest. */
export const SANDBOX_SHM_STORAGE = {
  driver: "ephemeral",
  driver_options: [],
  source: "shm",
  fstype: "tmpfs",
  options: ["noexec", "nosuid", "nodev", "mode=1777", "size=67108864"],
  mount_point: KATA.shm,
  fs_group: null,
  shared: false,
} as const;

export const PAUSE_UID = 65535;

/** Cluster addresses used where the kubelet fills in run-time values. */
export const CLUSTER = {
  podIP: "10.244.1.17",
  hostIP: "192.168.10.2",
  nodeName: "node-1",
  kubernetesServiceIP: "10.96.0.1",
  serviceIPPrefix: "10.96.",
} as const;
