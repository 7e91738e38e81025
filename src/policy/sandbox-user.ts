// The user containerd gives the sandbox (pause) container, for the policy and for the request builder alike.
//
// The kubelet passes the pod's securityContext runAsUser/runAsGroup to the sandbox and its fsGroup plus
// supplementalGroups as supplemental groups (LinuxSandboxSecurityContext). containerd's sandbox spec takes
// "uid[:gid]" from them over the pause image's USER (generateUserString + oci.WithUser); a uid alone gets
// GID 0, as the pause image has no /etc/passwd; a gid alone is refused ("user group is specified without user").

import type { IPodSecurityContext } from "kubernetes-models/v1/PodSecurityContext";
import { ConfigError } from "../common/errors.ts";

export interface SandboxUser {
  readonly UID: number;
  readonly GID: number;
  /** The primary GID first, then fsGroup and supplementalGroups, without repeats. */
  readonly AdditionalGids: readonly number[];
}

export function sandboxUser(
  sc: IPodSecurityContext | undefined,
  image: { readonly uid: number; readonly gid: number },
  where: string,
): SandboxUser {
  const runAsUser = sc?.runAsUser;
  const runAsGroup = sc?.runAsGroup;
  if (runAsUser === undefined && runAsGroup !== undefined) {
    throw new ConfigError(
      "sandbox_user_invalid",
      `${where}: securityContext.runAsGroup expected together with runAsUser (containerd refuses a pod sandbox with a group but no user), got runAsGroup ${runAsGroup} alone`,
      { field: "spec.securityContext.runAsGroup" },
    );
  }
  const UID = runAsUser ?? image.uid;
  const GID = runAsUser === undefined ? image.gid : (runAsGroup ?? 0);
  const groups = [GID, ...(sc?.fsGroup === undefined ? [] : [sc.fsGroup]), ...(sc?.supplementalGroups ?? [])];
  return { UID, GID, AdditionalGids: [...new Set(groups)] };
}
