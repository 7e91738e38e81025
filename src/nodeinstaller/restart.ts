// Restarts containerd through the host's init: `nsenter -t 1 -m -- systemctl …` (edgelesssys/contrast nodeinstaller).

import { UnavailableError } from "../common/errors.ts";

export interface CommandResult {
  readonly exitCode: number;
  readonly stderr: string;
}

/** Runs argv and reports its exit code; injected so tests never touch the host's init. */
export type CommandRunner = (argv: readonly string[]) => Promise<CommandResult>;

export const spawnRunner: CommandRunner = async (argv) => {
  const proc = Bun.spawn([...argv], { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  const [exitCode, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  return { exitCode, stderr };
};

function hostSystemctl(...args: string[]): string[] {
  return ["nsenter", "-t", "1", "-m", "--", "systemctl", ...args];
}

/**
 * Restarts the first of `units` that is active (K3s: `k3s` on servers, `k3s-agent` on agents), so a unit that is
 * installed but not in use is never started. Returns the unit restarted.
 */
export async function restartContainerd(units: readonly string[], run: CommandRunner): Promise<string> {
  for (const unit of units) {
    const active = await run(hostSystemctl("is-active", "--quiet", unit));
    if (active.exitCode !== 0) continue;
    const res = await run(hostSystemctl("restart", unit));
    if (res.exitCode !== 0) {
      throw new UnavailableError(
        "containerd_restart_failed",
        `systemctl restart ${unit}: expected exit 0, got ${res.exitCode}: ${res.stderr.trim().slice(0, 200)}`,
        { field: "systemd-unit-name" },
      );
    }
    return unit;
  }
  throw new UnavailableError(
    "containerd_unit_not_active",
    `systemd-unit-name: expected one of ${units.join(", ")} to be active, got none`,
    { field: "systemd-unit-name" },
  );
}
