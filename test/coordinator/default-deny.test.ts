// The Coordinator lifts the guest's default-deny rule at start only on explicit opt-in
// (CONTRAST_REMOVE_DEFAULT_DENY=true, set by `contrast resources coordinator` together with NET_ADMIN); by default it
// never touches netfilter, since a Coordinator run as root on a host must leave the host's firewall alone.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { parseAllDocuments } from "yaml";
import { createSimIssuer } from "../../src/attestation/sim-issuer.ts";
import { fromHex } from "../../src/common/bytes.ts";
import { ConfigError, UnavailableError, UsageError } from "../../src/common/errors.ts";
import { silentLogger } from "../../src/common/log.ts";
import { readCoordinatorConfig } from "../../src/coordinator/config.ts";
import { type RunningCoordinator, startCoordinator } from "../../src/coordinator/server.ts";
import { renderCoordinatorResources } from "../../src/kube/coordinator-resources.ts";
import { createEvidenceVerifier } from "../../src/manifest/verify-evidence.ts";
import type { CommandRunner } from "../../src/netfilter/command.ts";
import { createTestSim, SIM_TIMEOUT_MS } from "../attestation/sim/fixture.ts";
import { expectCode, expectError } from "../support/expect-error.ts";
import { tempDir } from "../support/harness.ts";

const RULE = "-m conntrack ! --ctstate ESTABLISHED,RELATED -j DROP";
const CHECK = `iptables -w 5 -t filter -C INPUT ${RULE}`;
const DELETE = `iptables -w 5 -t filter -D INPUT ${RULE}`;
const POLICY = "cd".repeat(32);

let sim: Awaited<ReturnType<typeof createTestSim>>;
const running: RunningCoordinator[] = [];

/** A filter INPUT chain holding the rule once; `code` makes every command exit with it. */
function iptables(calls: string[], code?: number): CommandRunner {
  let copies = 1;
  return async (argv) => {
    calls.push(argv.join(" "));
    if (code !== undefined) return { code, stderr: "iptables: resource problem" };
    if (argv.includes("-C")) return { code: copies > 0 ? 0 : 1, stderr: "" };
    if (argv.includes("-D")) copies--;
    return { code: 0, stderr: "" };
  };
}

async function start(env: Record<string, string>, runCommand: CommandRunner, netAdmin = true) {
  const config = readCoordinatorConfig(
    {
      tee: "sim",
      simDir: sim.dir,
      simHostData: POLICY,
      stateDir: tempDir("coordinator-dd"),
      userApiAddr: "127.0.0.1:0",
      meshApiAddr: "127.0.0.1:0",
      probeAddr: "127.0.0.1:0",
    },
    env,
  );
  const c = await startCoordinator(config, {
    log: silentLogger,
    verifier: createEvidenceVerifier(),
    version: "test",
    issuer: await createSimIssuer(sim.dir, fromHex(POLICY, "policy", 32)),
    netfilter: { runCommand, hasNetAdmin: () => netAdmin },
  });
  running.push(c);
  return c;
}

beforeAll(async () => {
  sim = await createTestSim();
}, SIM_TIMEOUT_MS);

afterAll(async () => {
  for (const c of running) await c.stop();
});

describe("startCoordinator (default-deny rule)", () => {
  test("CONTRAST_REMOVE_DEFAULT_DENY=true → rule checked, deleted, checked again; then serving", async () => {
    const calls: string[] = [];
    const c = await start({ CONTRAST_REMOVE_DEFAULT_DENY: "true" }, iptables(calls));
    expect(calls).toEqual([CHECK, DELETE, CHECK]);
    expect((await fetch(`http://${c.probe}/probe/startup`)).status).toBe(200);
  }, 30_000);

  test("default (unset) → netfilter never touched", async () => {
    const calls: string[] = [];
    const c = await start({}, iptables(calls), false);
    expect(calls).toEqual([]);
    expect((await fetch(`http://${c.probe}/probe/startup`)).status).toBe(200);
  }, 30_000);

  test("opt-in without CAP_NET_ADMIN → ConfigError net_admin_missing before any listener", async () => {
    const calls: string[] = [];
    await expectCode(
      () => start({ CONTRAST_REMOVE_DEFAULT_DENY: "true" }, iptables(calls), false),
      ConfigError,
      "net_admin_missing",
    );
    expect(calls).toEqual([]);
  });

  test("opt-in, iptables failing → UnavailableError netfilter_failed", async () => {
    const calls: string[] = [];
    const e = await expectCode(
      () => start({ CONTRAST_REMOVE_DEFAULT_DENY: "true" }, iptables(calls, 4)),
      UnavailableError,
      "netfilter_failed",
    );
    expect(e.message).toContain("iptables: resource problem");
  });

  test("any other value → UsageError invalid_flag naming the variable", () => {
    expectError(
      () => readCoordinatorConfig({}, { CONTRAST_REMOVE_DEFAULT_DENY: "yes" }),
      UsageError,
      "invalid_flag",
    );
  });
});

describe("renderCoordinatorResources (default-deny opt-in)", () => {
  test("the Coordinator container → its env turns the removal on, and it holds NET_ADMIN", () => {
    const sts = parseAllDocuments(renderCoordinatorResources({ image: "c:1" }))[0]?.toJS();
    const container = sts.spec.template.spec.containers[0];
    const env = Object.fromEntries(
      (container.env as { name: string; value: string }[]).map((e) => [e.name, e.value]),
    );
    expect(readCoordinatorConfig({}, env).removeDefaultDeny).toBe(true);
    expect(container.securityContext).toEqual({ capabilities: { add: ["NET_ADMIN"] } });
  });
});
