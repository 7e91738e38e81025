// Applies the inbound rules with Debian's iptables tools (nf_tables or legacy backend) and lifts the default deny.

import { existsSync, readFileSync } from "node:fs";
import { UnavailableError } from "../common/errors.ts";
import {
  type AddressFamily,
  DEFAULT_DENY_RULE,
  type InboundPlan,
  JUMP_RULES,
  renderInboundRules,
} from "./redirect-rules.ts";

export interface CommandResult {
  readonly code: number;
  readonly stderr: string;
}

/** Runs one command with optional stdin; injected so tests can record the sequence without privileges. */
export type CommandRunner = (argv: readonly string[], stdin?: string) => Promise<CommandResult>;

/** Images without an Env still have the tools in the usual places; the container may carry no PATH at all. */
const FALLBACK_PATH = "/usr/sbin:/usr/bin:/sbin:/bin";

export const spawnCommand: CommandRunner = async (argv, stdin) => {
  let proc: ReturnType<typeof Bun.spawn>;
  const [bin = "", ...rest] = argv;
  const resolved =
    Bun.which(bin, { PATH: process.env.PATH ?? FALLBACK_PATH }) ?? Bun.which(bin, { PATH: FALLBACK_PATH });
  if (resolved === null) return { code: 127, stderr: `${bin}: not found` };
  try {
    proc = Bun.spawn([resolved, ...rest], {
      stdin: stdin === undefined ? "ignore" : "pipe",
      stdout: "ignore",
      stderr: "pipe",
    });
  } catch (e) {
    return { code: 127, stderr: e instanceof Error ? e.message : String(e) };
  }
  if (stdin !== undefined && proc.stdin && typeof proc.stdin !== "number") {
    proc.stdin.write(stdin);
    await proc.stdin.end();
  }
  const stderr = await new Response(proc.stderr as ReadableStream).text();
  return { code: await proc.exited, stderr: stderr.trim() };
};

const TOOLS: Record<AddressFamily, { restore: string; iptables: string }> = {
  ipv4: { restore: "iptables-restore", iptables: "iptables" },
  ipv6: { restore: "ip6tables-restore", iptables: "ip6tables" },
};

/** Bit 12 of the effective capability set (capability(7)). */
const CAP_NET_ADMIN = 12n;

export function hasNetAdmin(status = "/proc/self/status"): boolean {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync(status, "utf8"));
    return m !== null && ((BigInt(`0x${m[1]}`) >> CAP_NET_ADMIN) & 1n) === 1n;
  } catch {
    return false;
  }
}

/** IPv6 rules are needed whenever the kernel has IPv6 at all: an app bound to `::` is reachable over it. */
export function ipv6Enabled(): boolean {
  return existsSync("/proc/net/if_inet6");
}

export class Netfilter {
  constructor(
    private readonly families: readonly AddressFamily[],
    private readonly runCommand: CommandRunner = spawnCommand,
  ) {}

  private async must(argv: readonly string[], what: string, stdin?: string): Promise<void> {
    const r = await this.runCommand(argv, stdin);
    if (r.code !== 0) {
      throw new UnavailableError(
        "netfilter_failed",
        `${what}: expected exit 0 from ${argv[0]}, got ${r.code}: ${r.stderr}`,
      );
    }
  }

  /** Replaces our chains' contents with the plan, atomically per table and family. */
  async apply(plan: InboundPlan): Promise<void> {
    for (const family of this.families) {
      const doc = renderInboundRules(plan, family);
      await this.must([TOOLS[family].restore, "-w", "5", "--noflush"], `${family} inbound rules`, doc);
    }
  }

  /** Inserts the jumps into PREROUTING and INPUT unless present (a restarted sidecar finds its old ones). */
  async ensureJumps(): Promise<void> {
    for (const family of this.families) {
      const bin = TOOLS[family].iptables;
      for (const j of JUMP_RULES) {
        const check = await this.runCommand([bin, "-w", "5", "-t", j.table, "-C", j.chain, ...j.args]);
        if (check.code === 0) continue;
        await this.must(
          [bin, "-w", "5", "-t", j.table, "-I", j.chain, "1", ...j.args],
          `${family} jump to our chain`,
        );
      }
    }
  }

  /** Deletes every copy of the default-deny rule (IPv4, filter INPUT); returns how many were removed. */
  async removeDefaultDeny(): Promise<number> {
    let removed = 0;
    while (removed < 64) {
      const check = await this.runCommand([
        "iptables",
        "-w",
        "5",
        "-t",
        "filter",
        "-C",
        "INPUT",
        ...DEFAULT_DENY_RULE,
      ]);
      if (check.code !== 0) return removed;
      await this.must(
        ["iptables", "-w", "5", "-t", "filter", "-D", "INPUT", ...DEFAULT_DENY_RULE],
        "default-deny removal",
      );
      removed++;
    }
    return removed;
  }
}
