// The guest's default-deny rule and its removal (edgelesssys/contrast internal/defaultdeny).
//
// A Kata guest built like the reference's starts every pod with one rule in filter INPUT (IPv4) that drops every
// inbound packet not belonging to a connection the pod opened. Whoever owns the pod's inbound side lifts it: the
// service-mesh sidecar after its own rules are in place, the Initializer in pods without the sidecar
// (CONTRAST_SERVICE_MESH_DISABLED=true), the Coordinator on opt-in (CONTRAST_REMOVE_DEFAULT_DENY=true). Lifting it
// opens nothing the workload does not listen on: the pod's inbound ports are what it exposes, as in any pod.

import { ConfigError, UnavailableError } from "../common/errors.ts";
import { hasNetAdmin } from "./capability.ts";
import { type CommandRunner, spawnCommand } from "./command.ts";

/** The rule's match and target as `iptables` arguments (filter INPUT, IPv4). */
export const DEFAULT_DENY_RULE: readonly string[] = Object.freeze([
  "-m",
  "conntrack",
  "!",
  "--ctstate",
  "ESTABLISHED,RELATED",
  "-j",
  "DROP",
]);

/** More copies than any guest installs: a rule that keeps coming back is someone else's loop, not ours to chase. */
const MAX_COPIES = 64;

const WAIT = ["-w", "5"];

/**
 * Deletes every copy of the default-deny rule; returns how many were removed (0 when there was none). `iptables -C`
 * answers 1 for "no such rule"; any other failure (no binary, no permission, no conntrack match) is an
 * UnavailableError `netfilter_failed` naming the exit code and iptables' message, never read as "absent".
 */
export async function removeDefaultDeny(runCommand: CommandRunner = spawnCommand): Promise<number> {
  let removed = 0;
  while (removed < MAX_COPIES) {
    const argv = ["iptables", ...WAIT, "-t", "filter", "-C", "INPUT", ...DEFAULT_DENY_RULE];
    const check = await runCommand(argv);
    if (check.code === 1) return removed;
    if (check.code !== 0) throw failed("default-deny check", argv, check.code, check.stderr);
    const del = ["iptables", ...WAIT, "-t", "filter", "-D", "INPUT", ...DEFAULT_DENY_RULE];
    const r = await runCommand(del);
    if (r.code !== 0) throw failed("default-deny removal", del, r.code, r.stderr);
    removed++;
  }
  return removed;
}

function failed(what: string, argv: readonly string[], code: number, stderr: string): UnavailableError {
  return new UnavailableError(
    "netfilter_failed",
    `${what}: expected exit 0 from ${argv[0]}, got ${code}${stderr === "" ? "" : `: ${stderr}`}`,
  );
}

export interface LiftDefaultDenyDeps {
  readonly runCommand?: CommandRunner;
  readonly hasNetAdmin?: () => boolean;
}

/**
 * For a process told to lift the rule (`setting` names what told it, for the message): without CAP_NET_ADMIN a
 * ConfigError `net_admin_missing` (the pod spec lacks the capability; retrying cannot help), then the removal. A pod
 * that silently stays unreachable would be worse than one that fails with the reason.
 */
export async function liftDefaultDeny(setting: string, deps: LiftDefaultDenyDeps = {}): Promise<number> {
  if (!(deps.hasNetAdmin ?? hasNetAdmin)()) {
    throw new ConfigError(
      "net_admin_missing",
      `${setting}: expected CAP_NET_ADMIN to remove the default-deny rule, got none (add securityContext.capabilities.add: [NET_ADMIN])`,
    );
  }
  return removeDefaultDeny(deps.runCommand ?? spawnCommand);
}
