// The OCI process of one container: args (entrypoint/cmd vs command/args), user, working dir, capabilities (Kata Containers src/tools/genpolicy/src/containerd.rs).

import type { IContainer } from "kubernetes-models/v1/Container";
import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import { ConfigError } from "../common/errors.ts";
import { expandVars } from "./expand-vars.ts";
import type { ImageConfig } from "./image/image-config.ts";
import type { Settings } from "./settings.ts";
import { type PartialValue, toPattern, type ValuePattern } from "./value-pattern.ts";

export interface UserPolicy {
  readonly UID: number;
  readonly GID: number;
  readonly AdditionalGids: readonly number[];
}

export interface CapabilitiesPolicy {
  readonly Ambient: readonly string[];
  readonly Bounding: readonly string[];
  readonly Effective: readonly string[];
  readonly Inheritable: readonly string[];
  readonly Permitted: readonly string[];
}

/** Kubernetes: `command` replaces the entrypoint, `args` replaces cmd; `$(VAR)` expanded in both. */
export function deriveArgs(
  c: IContainer,
  image: ImageConfig,
  vars: ReadonlyMap<string, PartialValue>,
): ValuePattern[] {
  const expand = (xs: readonly string[]) => xs.map((x) => toPattern(expandVars(x, vars)));
  const lit = (xs: readonly string[] | undefined) => (xs ?? []).map((x) => ({ exact: x }));
  if (c.command !== undefined && c.command.length > 0) return [...expand(c.command), ...expand(c.args ?? [])];
  if (c.args !== undefined && c.args.length > 0) return [...lit(image.Entrypoint), ...expand(c.args)];
  return [...lit(image.Entrypoint), ...lit(image.Cmd)];
}

function parseImageUser(user: string | undefined, where: string): { uid: number; gid?: number } {
  if (user === undefined || user === "") return { uid: 0 };
  const [u = "", g] = user.split(":");
  const num = (x: string) => (/^[0-9]+$/.test(x) ? Number(x) : undefined);
  const uid = num(u);
  const gid = g === undefined ? undefined : num(g);
  // Names need the image's /etc/passwd; without it the policy could not be exact, so ask for numbers.
  if (uid === undefined || (g !== undefined && gid === undefined)) {
    throw new ConfigError(
      "image_user_unresolvable",
      `${where}: image user expected numeric uid[:gid] or securityContext.runAsUser/runAsGroup, got ${user}`,
    );
  }
  return gid === undefined ? { uid } : { uid, gid };
}

/** UID/GID as containerd sets them: container securityContext over pod securityContext over image USER. */
export function deriveUser(c: IContainer, pod: IPodSpec, image: ImageConfig, where: string): UserPolicy {
  const runAsUser = c.securityContext?.runAsUser ?? pod.securityContext?.runAsUser;
  const runAsGroup = c.securityContext?.runAsGroup ?? pod.securityContext?.runAsGroup;
  // With runAsUser set, containerd only looks at the image for the group (passwd lookup; 0 when absent).
  const fromImage: { uid?: number; gid?: number } =
    runAsUser !== undefined && runAsGroup !== undefined
      ? {}
      : runAsUser !== undefined
        ? {
            gid:
              /^[0-9]+:([0-9]+)$/.exec(image.User ?? "")?.[1] !== undefined
                ? Number(image.User?.split(":")[1])
                : 0,
          }
        : parseImageUser(image.User, where);
  const UID = runAsUser ?? fromImage.uid ?? 0;
  const GID = runAsGroup ?? fromImage.gid ?? 0;
  const extra = [GID, ...(pod.securityContext?.supplementalGroups ?? [])];
  if (pod.securityContext?.fsGroup !== undefined) extra.push(pod.securityContext.fsGroup);
  const AdditionalGids = [...new Set(extra)].sort((a, b) => a - b);
  return { UID, GID, AdditionalGids };
}

function capName(c: string): string {
  const up = c.toUpperCase();
  return up.startsWith("CAP_") ? up : `CAP_${up}`;
}

/** Default or privileged set, then `drop` (ALL clears) and `add`, applied to Bounding, Effective and Permitted. */
export function deriveCapabilities(c: IContainer, settings: Settings): CapabilitiesPolicy {
  const sc = c.securityContext;
  let caps = [...(sc?.privileged === true ? settings.common.privileged_caps : settings.common.default_caps)];
  const drop = (sc?.capabilities?.drop ?? []).map(capName);
  if (drop.includes("CAP_ALL")) caps = [];
  else caps = caps.filter((x) => !drop.includes(x));
  for (const a of (sc?.capabilities?.add ?? []).map(capName)) {
    if (a === "CAP_ALL") caps = [...settings.common.privileged_caps];
    else if (!caps.includes(a)) caps.push(a);
  }
  return { Ambient: [], Bounding: caps, Effective: caps, Inheritable: [], Permitted: caps };
}

export function deriveCwd(c: IContainer, image: ImageConfig): string {
  return c.workingDir || image.WorkingDir || "/";
}
