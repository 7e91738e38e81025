// The other requests a pod's life brings: CreateSandbox, CopyFile for shared files, ReadStream for logs, ExecProcess for probes.

import type { AgentRequest } from "./agent-request.ts";
import type { BuiltContainer } from "./container-request.ts";
import type { PodInstance } from "./pod-instance.ts";
import { SANDBOX_SHM_STORAGE } from "./runtime-defaults.ts";

// S_IFMT file types with the permissions the shim reports (Kata Containers src/libs/protocols/protos/agent.proto: the agent passes file_mode through).
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

export function createSandboxRequest(p: PodInstance): AgentRequest {
  return {
    kind: "CreateSandboxRequest",
    request: {
      hostname: p.hostname,
      dns: [],
      storages: [SANDBOX_SHM_STORAGE],
      sandbox_pidns: false,
      sandbox_id: p.sandboxId,
      guest_hook_path: "",
      kernel_modules: [],
    },
  };
}

function copyFile(
  path: string,
  fileType: "Regular" | "Directory" | "Symlink",
  target: string | null,
): AgentRequest {
  const mode =
    fileType === "Regular" ? S_IFREG | 0o644 : fileType === "Directory" ? S_IFDIR | 0o755 : S_IFLNK | 0o777;
  return {
    kind: "CopyFileRequest",
    request: {
      path,
      file_type: fileType,
      symlink_target: target,
      file_size: fileType === "Regular" ? 128 : 0,
      file_mode: mode,
      dir_mode: 0o750,
      uid: 0,
      gid: 0,
      offset: 0,
    },
  };
}

/**
 * Without a shared file system the shim copies each shared file into the guest before the container starts.
 * Directories written by the kubelet's atomic writer hold `..data` symlinks, e.g. `token -> ..data/token`.
 */
export function copyFileRequests(c: BuiltContainer): AgentRequest[] {
  const out: AgentRequest[] = [];
  for (const f of c.mounts.sharedFiles) {
    out.push(copyFile(f.guestPath, f.kind, null));
    if (f.kind === "Directory" && f.guestPath.endsWith("-serviceaccount")) {
      out.push(copyFile(`${f.guestPath}/token`, "Symlink", "..data/token"));
    }
  }
  return out;
}

/** `kubectl logs`: the shim reads the container's stdout. */
export function readStreamRequest(c: BuiltContainer): AgentRequest {
  return {
    kind: "ReadStreamRequest",
    request: { container_id: c.containerId, exec_id: c.containerId, len: 32768 },
  };
}

/** An exec in a running container (probe or `kubectl exec`): the container's process with other args, no capabilities. */
export function execProcessRequest(c: BuiltContainer, args: readonly string[], execId: string): AgentRequest {
  const proc = c.process;
  return {
    kind: "ExecProcessRequest",
    request: {
      container_id: c.containerId,
      exec_id: execId,
      string_user: null,
      process: {
        Terminal: false,
        ConsoleSize: null,
        User: proc.User,
        Args: [...args],
        Env: proc.Env,
        Cwd: proc.Cwd,
        Capabilities: null,
        Rlimits: [],
        NoNewPrivileges: proc.NoNewPrivileges,
        ApparmorProfile: "",
        OOMScoreAdj: 0,
        SelinuxLabel: "",
      },
      stdin_port: 0,
      stdout_port: 0,
      stderr_port: 0,
    },
  };
}
