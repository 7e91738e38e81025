// policy_data for one pod: the sandbox container, then init and app containers, plus shared settings (our rules.rego reads it).

import type { IContainer } from "kubernetes-models/v1/Container";
import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import { ConfigError } from "../common/errors.ts";
import type { ConfigSources } from "../kube/config-sources.ts";
import type { WorkloadKind } from "../kube/workload-kinds.ts";
import { deriveContainerEnv, type EnvOptions, type PodFacts } from "./container-env.ts";
import { containerMounts, type MountPolicy, type StoragePolicy, sandboxMounts } from "./container-mounts.ts";
import {
  type CapabilitiesPolicy,
  deriveArgs,
  deriveCapabilities,
  deriveCwd,
  deriveUser,
  type UserPolicy,
} from "./container-process.ts";
import type { ResolvedImage } from "./image/image-config.ts";
import { sandboxNameRegex } from "./sandbox-name.ts";
import { sandboxUser } from "./sandbox-user.ts";
import type { Settings } from "./settings.ts";
import { refuseDeviceResources } from "./unsupported-resources.ts";
import type { ValuePattern } from "./value-pattern.ts";

export interface ContainerPolicy {
  readonly name: string;
  readonly sandbox: boolean;
  /** Pinned image; null for the sandbox container, whose image the runtime chooses. */
  readonly image: { readonly repository: string; readonly digest: string } | null;
  readonly Root: { readonly Readonly: boolean };
  readonly Process: {
    readonly Terminal: boolean;
    readonly User: UserPolicy;
    readonly Args: readonly ValuePattern[];
    readonly Env: readonly ValuePattern[];
    readonly env_names: readonly string[];
    readonly Cwd: string;
    readonly Capabilities: CapabilitiesPolicy;
    readonly NoNewPrivileges: boolean;
  };
  readonly Mounts: readonly MountPolicy[];
  readonly Namespaces: readonly string[];
  readonly MaskedPaths: readonly string[];
  readonly ReadonlyPaths: readonly string[];
  readonly Sysctl: Readonly<Record<string, string>>;
  readonly storages: readonly StoragePolicy[];
  readonly exec_commands: readonly (readonly string[])[];
  readonly sandbox_pidns: boolean;
}

export interface PolicyData {
  readonly containers: readonly ContainerPolicy[];
  readonly pod: { readonly name_regex: string; readonly namespace: string };
  readonly common: Settings["common"];
  readonly sandbox: Settings["sandbox"] & { readonly image_source_regex: string };
  readonly request_defaults: Settings["request_defaults"];
}

export interface PodDescription {
  readonly kind: WorkloadKind;
  readonly name: string;
  readonly generateName?: string;
  /** metadata.namespace of the workload; undefined = decided by kubectl at apply time. */
  readonly namespace: string | undefined;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly spec: IPodSpec;
  readonly claimNames: readonly string[];
  /** Human-readable location for error messages. */
  readonly where: string;
}

/** Exec commands of probes and lifecycle hooks: what the kubelet runs inside a container. */
export function execCommands(c: IContainer): string[][] {
  const out: string[][] = [];
  for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) {
    if (probe?.exec?.command !== undefined) out.push([...probe.exec.command]);
  }
  for (const hook of [c.lifecycle?.postStart, c.lifecycle?.preStop]) {
    if (hook?.exec?.command !== undefined) out.push([...hook.exec.command]);
  }
  return out;
}

function sandboxContainer(pod: PodDescription, settings: Settings): ContainerPolicy {
  const p = settings.pause_container;
  const sysctls = Object.fromEntries((pod.spec.securityContext?.sysctls ?? []).map((s) => [s.name, s.value]));
  return {
    name: "",
    sandbox: true,
    image: null,
    Root: { Readonly: true },
    Process: {
      Terminal: false,
      User: sandboxUser(pod.spec.securityContext, { uid: p.UID, gid: p.GID }, pod.where),
      Args: p.Args.map((a) => ({ exact: a })),
      Env: [{ exact: settings.common.default_path_env }],
      env_names: ["PATH"],
      Cwd: "/",
      Capabilities: {
        Ambient: [],
        Bounding: settings.common.default_caps,
        Effective: settings.common.default_caps,
        Inheritable: [],
        Permitted: settings.common.default_caps,
      },
      NoNewPrivileges: true,
    },
    Mounts: sandboxMounts(settings),
    Namespaces: pod.spec.hostNetwork === true ? ["ipc", "mount"] : ["ipc", "uts", "mount"],
    MaskedPaths: settings.common.masked_paths,
    ReadonlyPaths: settings.common.readonly_paths,
    Sysctl: { ...p.Sysctl, ...sysctls },
    storages: [],
    exec_commands: [],
    sandbox_pidns: false,
  };
}

function appContainer(
  c: IContainer,
  pod: PodDescription,
  facts: PodFacts,
  images: ReadonlyMap<string, ResolvedImage>,
  sources: ConfigSources,
  settings: Settings,
  envOptions: EnvOptions,
): ContainerPolicy {
  const where = `${pod.where} container ${c.name}`;
  const image = images.get(c.image ?? "");
  if (image === undefined)
    throw new ConfigError(
      "image_unresolved",
      `${where}: image ${c.image ?? "(none)"} expected to be resolved, got nothing`,
    );
  const env = deriveContainerEnv(
    c,
    image.config,
    sources,
    facts,
    settings.common.default_path_env,
    where,
    envOptions,
  );
  const { mounts, storages } = containerMounts(c, pod.spec, image.config, pod.claimNames, settings, where);
  const sysctls = Object.fromEntries((pod.spec.securityContext?.sysctls ?? []).map((s) => [s.name, s.value]));
  return {
    name: c.name,
    sandbox: false,
    image: { repository: image.repository, digest: image.digest },
    Root: { Readonly: c.securityContext?.readOnlyRootFilesystem === true },
    Process: {
      Terminal: c.tty === true,
      User: deriveUser(c, pod.spec, image.config, where),
      Args: deriveArgs(c, image.config, env.vars),
      Env: env.patterns,
      env_names: env.names,
      Cwd: deriveCwd(c, image.config),
      Capabilities: deriveCapabilities(c, settings),
      NoNewPrivileges: c.securityContext?.allowPrivilegeEscalation === false,
    },
    Mounts: mounts,
    Namespaces: ["ipc", "uts", "mount"],
    // containerd leaves masked and read-only paths empty for privileged containers.
    MaskedPaths: c.securityContext?.privileged === true ? [] : settings.common.masked_paths,
    ReadonlyPaths: c.securityContext?.privileged === true ? [] : settings.common.readonly_paths,
    Sysctl: sysctls,
    storages,
    exec_commands: execCommands(c),
    sandbox_pidns: pod.spec.shareProcessNamespace === true,
  };
}

/** Derives the data document for one pod; `images` maps each image reference in the spec to its resolution. */
export function derivePolicyData(
  pod: PodDescription,
  images: ReadonlyMap<string, ResolvedImage>,
  sources: ConfigSources,
  settings: Settings,
  envOptions: EnvOptions = {},
): PolicyData {
  refuseDeviceResources(pod.spec, pod.where);
  const nameRegex = sandboxNameRegex(pod.kind, pod.name, pod.generateName);
  const facts: PodFacts = {
    nameRegex,
    exactName: pod.kind === "Pod" && pod.name !== "" ? pod.name : undefined,
    namespace: pod.namespace,
    labels: pod.labels,
    annotations: pod.annotations,
    serviceAccountName: pod.spec.serviceAccountName ?? "default",
    hostname: pod.spec.hostname,
  };
  const apps = [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
  return {
    containers: [
      sandboxContainer(pod, settings),
      ...apps.map((c) => appContainer(c, pod, facts, images, sources, settings, envOptions)),
    ],
    pod: { name_regex: nameRegex, namespace: pod.namespace ?? "" },
    common: settings.common,
    sandbox: { ...settings.sandbox, image_source_regex: settings.pause_container.image_source_regex },
    request_defaults: settings.request_defaults,
  };
}
