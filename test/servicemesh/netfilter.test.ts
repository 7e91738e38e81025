import { describe, expect, test } from "bun:test";
import { UnavailableError } from "../../src/common/errors.ts";
import type { CommandRunner } from "../../src/netfilter/command.ts";
import { Netfilter } from "../../src/servicemesh/netfilter.ts";

/** Records every command; `-C` answers come from `present`, failures from `fail`. */
function recorder(opts: { present?: (argv: readonly string[]) => boolean; fail?: string } = {}) {
  const calls: string[] = [];
  const run: CommandRunner = async (argv, stdin) => {
    const line = argv.join(" ");
    calls.push(stdin === undefined ? line : `${line} <<${stdin.split("\n")[0]}`);
    if (opts.fail !== undefined && line.includes(opts.fail)) return { code: 1, stderr: "boom" };
    if (argv.includes("-C")) return { code: opts.present?.(argv) ? 0 : 1, stderr: "" };
    return { code: 0, stderr: "" };
  };
  return { calls, run };
}

describe("Netfilter", () => {
  test("apply → one restore document per family, --noflush", async () => {
    const r = recorder();
    await new Netfilter(["ipv4", "ipv6"], r.run).apply({ redirects: [], openPorts: [] });
    expect(r.calls).toEqual([
      "iptables-restore -w 5 --noflush <<# contrast service mesh: inbound rules (ipv4)",
      "ip6tables-restore -w 5 --noflush <<# contrast service mesh: inbound rules (ipv6)",
    ]);
  });

  test("restore fails → UnavailableError netfilter_failed", async () => {
    const r = recorder({ fail: "restore" });
    const err = await new Netfilter(["ipv4"], r.run).apply({ redirects: [], openPorts: [] }).catch((e) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.code).toBe("netfilter_failed");
  });

  test("jumps missing → inserted first in PREROUTING and INPUT; present → left alone", async () => {
    const missing = recorder();
    await new Netfilter(["ipv4"], missing.run).ensureJumps();
    expect(missing.calls.filter((c) => c.includes(" -I "))).toEqual([
      "iptables -w 5 -t nat -I PREROUTING 1 -p tcp -j CONTRAST_MESH_INBOUND",
      "iptables -w 5 -t filter -I INPUT 1 -j CONTRAST_MESH_INPUT",
    ]);
    const present = recorder({ present: () => true });
    await new Netfilter(["ipv4"], present.run).ensureJumps();
    expect(present.calls.some((c) => c.includes(" -I "))).toBe(false);
  });

  test("default-deny present twice → both copies deleted, count returned", async () => {
    let copies = 2;
    const calls: string[] = [];
    const run: CommandRunner = async (argv) => {
      calls.push(argv.join(" "));
      if (argv.includes("-C")) return { code: copies > 0 ? 0 : 1, stderr: "" };
      if (argv.includes("-D")) copies--;
      return { code: 0, stderr: "" };
    };
    expect(await new Netfilter(["ipv4"], run).removeDefaultDeny()).toBe(2);
    expect(calls.filter((c) => c.includes(" -D "))).toEqual([
      "iptables -w 5 -t filter -D INPUT -m conntrack ! --ctstate ESTABLISHED,RELATED -j DROP",
      "iptables -w 5 -t filter -D INPUT -m conntrack ! --ctstate ESTABLISHED,RELATED -j DROP",
    ]);
  });
});
