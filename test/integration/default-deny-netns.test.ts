// The guest's default-deny rule in a real network namespace: present before, gone after the Initializer ran with
// CONTRAST_SERVICE_MESH_DISABLED=true or the Coordinator started with CONTRAST_REMOVE_DEFAULT_DENY=true; left alone
// without the env, and refused (rule kept) without CAP_NET_ADMIN. Real iptables (nf_tables) inside the namespace.
//
// Needs root, `ip` and `iptables` (`capsh` for the no-capability case); skipped with the reason printed otherwise.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { toHex } from "../../src/common/bytes.ts";
import { exportPublicKeySpki, generateEcKeyPair } from "../../src/crypto/keys.ts";
import { createTestSim, SIM_TIMEOUT_MS } from "../attestation/sim/fixture.ts";
import { policyDocument, REPO, tempDir } from "../support/harness.ts";

const BUN = process.execPath;
const MAIN = join(REPO, "src/main.ts");
const UNROUTABLE = "10.255.255.1:7777";
const RULE = ["-m", "conntrack", "!", "--ctstate", "ESTABLISHED,RELATED", "-j", "DROP"];

function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root (network namespaces and iptables)";
  for (const tool of ["ip", "iptables"]) {
    if (Bun.which(tool) === null) return `${tool} not installed (apt-get install iproute2 iptables)`;
  }
  return undefined;
}

const reason = skipReason();
if (reason !== undefined) console.log(`default-deny-netns: skipped: ${reason}`);

const tag = `${process.pid.toString(36)}${randomBytes(2).toString("hex")}`;
const namespaces: string[] = [];
const procs: ReturnType<typeof Bun.spawn>[] = [];

function sh(argv: string[]): string {
  const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")}: exit ${r.exitCode}: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

/** A fresh namespace with loopback up and the guest's default-deny rule in filter INPUT, as a Kata guest starts a pod. */
function guestNetns(name: string): string {
  const ns = `ctdd-${tag}-${name}`;
  sh(["ip", "netns", "add", ns]);
  namespaces.push(ns);
  sh(["ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"]);
  sh(["ip", "netns", "exec", ns, "iptables", "-A", "INPUT", ...RULE]);
  return ns;
}

function hasRule(ns: string): boolean {
  return /-A INPUT -m conntrack ! --ctstate RELATED,ESTABLISHED -j DROP/.test(
    sh(["ip", "netns", "exec", ns, "iptables", "-S", "INPUT"]),
  );
}

/** `contrast ARGS` inside `ns` (optionally under a prefix such as capsh), to completion. */
async function inNs(ns: string, args: string[], env: Record<string, string>, prefix: string[] = []) {
  const p = Bun.spawn(["ip", "netns", "exec", ns, ...prefix, BUN, MAIN, ...args], {
    env: { ...process.env, CONTRAST_LOG_LEVEL: "info", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  procs.push(p);
  const [stdout, stderr, code] = await Promise.all([
    new Response(p.stdout).text(),
    new Response(p.stderr).text(),
    p.exited,
  ]);
  return { code, out: stdout + stderr };
}

function cleanup(): void {
  for (const p of procs) if (p.exitCode === null) p.kill(9);
  for (const ns of namespaces) Bun.spawnSync(["ip", "netns", "del", ns], { stderr: "ignore" });
}

describe.skipIf(reason !== undefined)("default-deny rule in a network namespace", () => {
  const root = tempDir("default-deny-netns");
  let initializerArgs: string[];

  beforeAll(async () => {
    process.once("exit", cleanup);
    const sim = await createTestSim();
    const key = await generateEcKeyPair("P-384");
    const pin = {
      coordinatorPolicies: ["ab".repeat(32)],
      deploymentKeys: [toHex(await exportPublicKeySpki(key.publicKey))],
    };
    const doc = policyDocument(join(root, "policies"), "pod without mesh", pin);
    // No Coordinator answers (the namespace has no route to it, so each attempt fails at once, rule or not): the
    // Initializer gives up after its timeout; what matters here is what it did to netfilter first.
    initializerArgs = [
      "initializer",
      "--tee=sim",
      `--sim-dir=${sim.dir}`,
      `--sim-initdata=${doc.path}`,
      `--out-dir=${join(root, "out")}`,
      "--timeout=1s",
    ];
  }, SIM_TIMEOUT_MS);

  afterAll(cleanup);

  test("Initializer with CONTRAST_SERVICE_MESH_DISABLED=true → rule present before, gone after", async () => {
    const ns = guestNetns("init");
    expect(hasRule(ns)).toBe(true);
    const r = await inNs(ns, initializerArgs, {
      COORDINATOR_HOST: UNROUTABLE,
      CONTRAST_SERVICE_MESH_DISABLED: "true",
    });
    expect(r.out).toContain("default-deny rule removed");
    expect(r.code).toBe(6); // the Coordinator never answered
    expect(hasRule(ns)).toBe(false);
  }, 30_000);

  test("Initializer without the env → rule left in place", async () => {
    const ns = guestNetns("noenv");
    const r = await inNs(ns, initializerArgs, { COORDINATOR_HOST: UNROUTABLE });
    expect(r.code).toBe(6);
    expect(r.out).not.toContain("default-deny rule removed");
    expect(hasRule(ns)).toBe(true);
  }, 30_000);

  test.skipIf(Bun.which("capsh") === null)(
    "Initializer with the env but without CAP_NET_ADMIN → exit 3 net_admin_missing, rule left in place",
    async () => {
      const ns = guestNetns("nocap");
      const r = await inNs(
        ns,
        initializerArgs,
        { COORDINATOR_HOST: UNROUTABLE, CONTRAST_SERVICE_MESH_DISABLED: "true" },
        ["capsh", "--drop=cap_net_admin", "--", "-c", 'exec "$0" "$@"'],
      );
      expect(r.code).toBe(3);
      expect(r.out).toContain("net_admin_missing");
      expect(hasRule(ns)).toBe(true);
    },
    30_000,
  );

  test("Coordinator with CONTRAST_REMOVE_DEFAULT_DENY=true → rule gone, its probe reachable inside the pod", async () => {
    const ns = guestNetns("coord");
    expect(hasRule(ns)).toBe(true);
    const p = Bun.spawn(
      [
        "ip",
        "netns",
        "exec",
        ns,
        BUN,
        MAIN,
        "coordinator",
        "--tee=sim",
        `--sim-dir=${(await createTestSim()).dir}`,
        `--state-dir=${join(root, "coordinator-state")}`,
      ],
      { env: { ...process.env, CONTRAST_REMOVE_DEFAULT_DENY: "true" }, stdout: "ignore", stderr: "pipe" },
    );
    procs.push(p);
    // The rule drops new connections on every interface, loopback too: the probe answers only once it is gone.
    const probe = `fetch("http://127.0.0.1:9102/probe/startup").then((r) => console.log(r.status), () => console.log("down"))`;
    let status = "";
    for (let i = 0; i < 100 && status !== "200"; i++) {
      await Bun.sleep(200);
      status = sh(["ip", "netns", "exec", ns, "timeout", "5", BUN, "-e", probe]).trim();
    }
    expect(status).toBe("200");
    expect(hasRule(ns)).toBe(false);
    p.kill();
    await p.exited;
  }, 60_000);
});
