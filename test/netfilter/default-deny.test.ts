import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, UnavailableError } from "../../src/common/errors.ts";
import { hasNetAdmin } from "../../src/netfilter/capability.ts";
import type { CommandRunner } from "../../src/netfilter/command.ts";
import { liftDefaultDeny, removeDefaultDeny } from "../../src/netfilter/default-deny.ts";
import { tempDir } from "../support/harness.ts";

const RULE = "-m conntrack ! --ctstate ESTABLISHED,RELATED -j DROP";
const CHECK = `iptables -w 5 -t filter -C INPUT ${RULE}`;
const DELETE = `iptables -w 5 -t filter -D INPUT ${RULE}`;

/** A filter INPUT chain holding `copies` default-deny rules; `checkCode`/`deleteCode` override iptables' answers. */
function fakeIptables(copies: number, over: { checkCode?: number; deleteCode?: number } = {}) {
  const calls: string[] = [];
  const run: CommandRunner = async (argv) => {
    calls.push(argv.join(" "));
    if (argv.includes("-C")) {
      if (over.checkCode !== undefined)
        return { code: over.checkCode, stderr: "iptables: permission denied" };
      return copies > 0 ? { code: 0, stderr: "" } : { code: 1, stderr: "iptables: Bad rule" };
    }
    if (argv.includes("-D")) {
      if (over.deleteCode !== undefined)
        return { code: over.deleteCode, stderr: "iptables: resource problem" };
      copies--;
    }
    return { code: 0, stderr: "" };
  };
  return { calls, run, left: () => copies };
}

describe("removeDefaultDeny", () => {
  test("rule present once → check, delete, check; 1 removed", async () => {
    const f = fakeIptables(1);
    expect(await removeDefaultDeny(f.run)).toBe(1);
    expect(f.calls).toEqual([CHECK, DELETE, CHECK]);
    expect(f.left()).toBe(0);
  });

  test("rule absent (iptables -C exits 1) → one check, nothing deleted", async () => {
    const f = fakeIptables(0);
    expect(await removeDefaultDeny(f.run)).toBe(0);
    expect(f.calls).toEqual([CHECK]);
  });

  test("check fails otherwise (exit 4, no permission) → UnavailableError netfilter_failed, not read as absent", async () => {
    const f = fakeIptables(1, { checkCode: 4 });
    const err = await removeDefaultDeny(f.run).catch((e) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.code).toBe("netfilter_failed");
    expect(err.message).toContain("got 4: iptables: permission denied");
  });

  test("iptables missing (exit 127) → UnavailableError netfilter_failed", async () => {
    const err = await removeDefaultDeny(async () => ({ code: 127, stderr: "iptables: not found" })).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.message).toContain("iptables: not found");
  });

  test("delete fails → UnavailableError netfilter_failed", async () => {
    const f = fakeIptables(1, { deleteCode: 4 });
    const err = await removeDefaultDeny(f.run).catch((e) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.code).toBe("netfilter_failed");
    expect(f.calls).toEqual([CHECK, DELETE]);
  });

  test("a rule that never goes away → stops after 64 deletions", async () => {
    const f = fakeIptables(Number.POSITIVE_INFINITY);
    expect(await removeDefaultDeny(f.run)).toBe(64);
  });
});

describe("liftDefaultDeny", () => {
  test("no CAP_NET_ADMIN → ConfigError net_admin_missing naming the setting, no iptables run", async () => {
    const f = fakeIptables(1);
    const err = await liftDefaultDeny("CONTRAST_SERVICE_MESH_DISABLED=true", {
      runCommand: f.run,
      hasNetAdmin: () => false,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.code).toBe("net_admin_missing");
    expect(err.message).toContain("CONTRAST_SERVICE_MESH_DISABLED=true");
    expect(f.calls).toEqual([]);
  });

  test("CAP_NET_ADMIN → the rule is removed", async () => {
    const f = fakeIptables(1);
    expect(await liftDefaultDeny("x", { runCommand: f.run, hasNetAdmin: () => true })).toBe(1);
    expect(f.left()).toBe(0);
  });
});

describe("hasNetAdmin", () => {
  const status = (capEff: string) => {
    const path = join(tempDir("capstatus"), "status");
    writeFileSync(path, `Name:\tcontrast\nCapInh:\t0000000000000000\nCapEff:\t${capEff}\n`);
    return path;
  };

  test("CapEff with bit 12 → true; without → false; unreadable → false", () => {
    expect(hasNetAdmin(status("0000000000001000"))).toBe(true);
    expect(hasNetAdmin(status("000001ffffffefff"))).toBe(false);
    expect(hasNetAdmin("/nonexistent/status")).toBe(false);
  });
});
