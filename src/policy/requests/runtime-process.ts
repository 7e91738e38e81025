// The OCI process containerd builds for a CRI container: args, user, capabilities, working dir (CRI spec_opts, kubelet).

import type { IContainer } from "kubernetes-models/v1/Container";
import { ConfigError } from "../../common/errors.ts";
import { expandVars } from "../expand-vars.ts";
import type { ImageConfig } from "../image/image-config.ts";
import { literal } from "../value-pattern.ts";
import type { PodInstance } from "./pod-instance.ts";
import { ALL_CAPS, CONTAINERD_DEFAULT_CAPS } from "./runtime-defaults.ts";

export interface OciUser {
  readonly UID: number;
  readonly GID: number;
  readonly AdditionalGids: readonly number[];
  readonly Username: string;
}

export interface OciCapabilities {
  readonly Bounding: readonly string[];
  readonly Effective: readonly string[];
  readonly Inheritable: readonly string[];
  readonly Permitted: readonly string[];
  readonly Ambient: readonly string[];
}

/** Kubelet: `command` replaces the entrypoint, `args` the cmd; `$(VAR)` refers to the kubelet's env. */
export function runtimeArgs(
  c: IContainer,
  image: ImageConfig,
  kubelet: ReadonlyMap<string, string>,
): string[] {
  const vars = new Map([...kubelet].map(([k, v]) => [k, literal(v)] as const));
  const expand = (xs: readonly string[]) =>
    xs.map((x) =>
      expandVars(x, vars)
        .map((p) => ("lit" in p ? p.lit : ""))
        .join(""),
    );
  if (c.command !== undefined && c.command.length > 0) return [...expand(c.command), ...expand(c.args ?? [])];
  if (c.args !== undefined && c.args.length > 0) return [...(image.Entrypoint ?? []), ...expand(c.args)];
  return [...(image.Entrypoint ?? []), ...(image.Cmd ?? [])];
}

function imageUser(user: string | undefined, where: string): { uid?: number; gid?: number } {
  if (user === undefined || user === "") return {};
  const m = /^([0-9]+)(?::([0-9]+))?$/.exec(user);
  // A user name needs the image's /etc/passwd, which this check does not read.
  if (m === null)
    throw new ConfigError(
      "image_user_unresolvable",
      `${where}: image user expected numeric uid[:gid], got ${user}`,
    );
  return m[2] === undefined ? { uid: Number(m[1]) } : { uid: Number(m[1]), gid: Number(m[2]) };
}

/** containerd: runAsUser/runAsGroup (container over pod) over the image USER; supplementary groups after the primary. */
export function runtimeUser(c: IContainer, p: PodInstance, image: ImageConfig, where: string): OciUser {
  const pod = p.pod.spec.securityContext;
  const runAsUser = c.securityContext?.runAsUser ?? pod?.runAsUser;
  const runAsGroup = c.securityContext?.runAsGroup ?? pod?.runAsGroup;
  // With runAsUser set, containerd takes the group from the image's passwd entry; without reading layers
  // the numeric `uid:gid` USER is the best available source, else 0.
  const fromImage =
    runAsUser !== undefined && runAsGroup !== undefined
      ? {}
      : runAsUser !== undefined
        ? { gid: Number(/^[0-9]+:([0-9]+)$/.exec(image.User ?? "")?.[1] ?? 0) }
        : imageUser(image.User, where);
  const UID = runAsUser ?? fromImage.uid ?? 0;
  const GID = runAsGroup ?? fromImage.gid ?? 0;
  const gids = [GID, ...(pod?.supplementalGroups ?? [])];
  if (pod?.fsGroup !== undefined) gids.push(pod.fsGroup);
  return { UID, GID, AdditionalGids: [...new Set(gids)], Username: "" };
}

function capName(c: string): string {
  const up = c.toUpperCase();
  return up.startsWith("CAP_") ? up : `CAP_${up}`;
}

/** containerd WithCapabilities / WithAddedCapabilities / WithDroppedCapabilities on Bounding, Effective, Permitted. */
export function runtimeCapabilities(c: IContainer): OciCapabilities {
  const sc = c.securityContext;
  let caps = [...(sc?.privileged === true ? ALL_CAPS : CONTAINERD_DEFAULT_CAPS)];
  const drop = (sc?.capabilities?.drop ?? []).map(capName);
  caps = drop.includes("CAP_ALL") ? [] : caps.filter((x) => !drop.includes(x));
  for (const a of (sc?.capabilities?.add ?? []).map(capName)) {
    if (a === "CAP_ALL") caps = [...ALL_CAPS];
    else if (!caps.includes(a)) caps.push(a);
  }
  return { Bounding: [...caps], Effective: [...caps], Inheritable: [], Permitted: [...caps], Ambient: [] };
}

export function runtimeCwd(c: IContainer, image: ImageConfig): string {
  return c.workingDir || image.WorkingDir || "/";
}
