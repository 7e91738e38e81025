// Applies the inbound rules with Debian's iptables tools (nf_tables or legacy backend) and lifts the default deny
// (the shared plumbing, runner and default-deny rule, lives in src/netfilter/).

import { UnavailableError } from "../common/errors.ts";
import { type CommandRunner, spawnCommand } from "../netfilter/command.ts";
import { removeDefaultDeny } from "../netfilter/default-deny.ts";
import { type AddressFamily, type InboundPlan, JUMP_RULES, renderInboundRules } from "./redirect-rules.ts";

const TOOLS: Record<AddressFamily, { restore: string; iptables: string }> = {
  ipv4: { restore: "iptables-restore", iptables: "iptables" },
  ipv6: { restore: "ip6tables-restore", iptables: "ip6tables" },
};

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
  removeDefaultDeny(): Promise<number> {
    return removeDefaultDeny(this.runCommand);
  }
}
