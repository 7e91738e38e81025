// The sidecar entry without privileges: netfilter and the port table are injected, everything else is real.

import { afterEach, describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { ConfigError, UnavailableError, UsageError } from "../../src/common/errors.ts";
import type { CommandRunner } from "../../src/netfilter/command.ts";
import { readServiceMeshConfig } from "../../src/servicemesh/config.ts";
import type { ListeningPorts } from "../../src/servicemesh/listen-ports.ts";
import { Netfilter } from "../../src/servicemesh/netfilter.ts";
import { type RunningServiceMesh, run } from "../../src/servicemesh/run.ts";
import { createMeshCa, issueWorkload, writeTlsDir } from "../support/mesh-credentials.ts";
import { captureLog, exchange, freePort, startApp, tempDir, until } from "./proxy-fixture.ts";

const ca = await createMeshCa();
const creds = await issueWorkload(ca, ["web", "127.0.0.1"]);

let running: RunningServiceMesh[] = [];
afterEach(async () => {
  for (const m of running) await m.shutdown();
  running = [];
});

function config(env: Record<string, string>, flags: Record<string, string> = {}) {
  const dir = tempDir("run");
  return readServiceMeshConfig(
    {
      tlsDir: writeTlsDir(join(dir, "tls"), creds),
      readyFile: join(dir, "ready"),
      ingressPortBase: "15100",
      reloadInterval: "50ms",
      ...flags,
    },
    env,
  );
}

/** A netfilter that records commands; `failOn` makes matching commands exit 1. */
function fakeNetfilter(failOn?: string) {
  const calls: string[] = [];
  let defaultDeny = true; // the guest starts with it; our jumps start absent
  const runCommand: CommandRunner = async (argv) => {
    const line = argv.join(" ");
    calls.push(line);
    if (failOn !== undefined && line.includes(failOn)) return { code: 1, stderr: "denied" };
    if (line.includes("-D INPUT") && line.includes("DROP")) defaultDeny = false;
    if (!argv.includes("-C")) return { code: 0, stderr: "" };
    return { code: line.includes("DROP") && defaultDeny ? 0 : 1, stderr: "" };
  };
  return { calls, netfilter: new Netfilter(["ipv4"], runCommand) };
}

describe("readServiceMeshConfig", () => {
  test("malformed egress env → ConfigError naming the env variable", () => {
    try {
      readServiceMeshConfig({}, { CONTRAST_EGRESS_PROXY_CONFIG: "a#10.0.0.1:80#b:80" });
      throw new Error("expected a refusal");
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).field).toBe("CONTRAST_EGRESS_PROXY_CONFIG[0].listen.address");
    }
  });

  test("--redirect maybe → UsageError invalid_flag", () => {
    expect(() => readServiceMeshConfig({ redirect: "maybe" }, {})).toThrow(UsageError);
  });

  test("defaults → reference paths and a frozen object", () => {
    const c = readServiceMeshConfig({}, {});
    expect([c.tlsDir, c.readyFile, c.redirect]).toEqual(["/contrast/tls-config", "/ready", "auto"]);
    expect(Object.isFrozen(c)).toBe(true);
  });
});

describe("run", () => {
  test("egress and admin, no NET_ADMIN → ready without touching netfilter; /metrics lists the listener", async () => {
    const { netfilter, calls } = fakeNetfilter();
    const cfg = config({
      CONTRAST_EGRESS_PROXY_CONFIG: `web#127.0.0.3:${await freePort("127.0.0.3")}#127.0.0.1:1`,
      CONTRAST_ADMIN_PORT: String(await freePort("0.0.0.0")),
    });
    const mesh = await run(cfg, { log: captureLog().log, netfilter, hasNetAdmin: () => false });
    running.push(mesh);
    expect(existsSync(cfg.readyFile)).toBe(true);
    expect(calls).toEqual([]);
    expect(mesh.egress.map((l) => l.name)).toEqual(["web"]);
    const ready = await fetch(`http://127.0.0.1:${mesh.adminPort}/ready`);
    expect(ready.status).toBe(200);
    // One refused connection (nothing listens upstream) shows up per listener and outcome.
    await exchange("127.0.0.3", mesh.egress[0]!.port, new TextEncoder().encode("x"));
    const metrics = await (await fetch(`http://127.0.0.1:${mesh.adminPort}/metrics`)).text();
    expect(metrics).toContain('contrast_mesh_connections_total{listener="web",outcome="upstream_failed"} 1');
  });

  test("--redirect on without NET_ADMIN → ConfigError net_admin_missing, no ready file", async () => {
    const cfg = config({}, { redirect: "on" });
    const err = await run(cfg, { log: captureLog().log, hasNetAdmin: () => false }).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.code).toBe("net_admin_missing");
    expect(existsSync(cfg.readyFile)).toBe(false);
  });

  test("rules cannot be applied → no ready file and the default-deny rule is left in place", async () => {
    const { netfilter, calls } = fakeNetfilter("restore");
    const cfg = config({});
    const ports = (): ListeningPorts => ({ wildcard: new Map(), specific: [] });
    const err = await run(cfg, {
      log: captureLog().log,
      netfilter,
      hasNetAdmin: () => true,
      readPorts: ports,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect(existsSync(cfg.readyFile)).toBe(false);
    expect(calls.some((c) => c.includes(" -D INPUT"))).toBe(false);
  });

  test("app binds a port after ready → proxy listener, redirect rule, then mTLS in front of it", async () => {
    const app = await startApp("digest");
    const { netfilter, calls } = fakeNetfilter();
    let wildcard = new Map<number, "127.0.0.1" | "::1">();
    const cfg = config({ CONTRAST_INGRESS_PROXY_CONFIG: "metrics#9090#true" }, { ingressPortBase: "15100" });
    const mesh = await run(cfg, {
      log: captureLog().log,
      netfilter,
      hasNetAdmin: () => true,
      readPorts: () => ({ wildcard, specific: [] }),
    });
    running.push(mesh);
    // Rules first, jumps next, default deny last; only then ready.
    const order = ["iptables-restore", "-I PREROUTING", "-I INPUT", "-D INPUT"].map((s) =>
      calls.findIndex((c) => c.includes(s)),
    );
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect(existsSync(cfg.readyFile)).toBe(true);

    wildcard = new Map([[app.port, "127.0.0.1"]]);
    await until(() => (mesh.inbound?.plan().redirects.length ?? 0) === 1);
    const plan = mesh.inbound!.plan();
    expect(plan.openPorts).toEqual([9090]);
    const proxyPort = plan.redirects[0]!.proxyPort;
    await until(() => calls.filter((c) => c.startsWith("iptables-restore")).length === 2);

    // What the redirect delivers to: plain text is refused, a mesh client reaches the app.
    const plain = await exchange("127.0.0.1", proxyPort, new TextEncoder().encode("hi"));
    expect(plain.reply).toBe("");
    expect(app.connections).toBe(0);
    const tls = await import("node:tls");
    const reply = await new Promise<string>((resolve) => {
      const c = tls.connect({
        host: "127.0.0.1",
        port: proxyPort,
        key: creds.key,
        cert: creds.cert,
        ca: creds.ca,
        servername: "web",
      });
      let r = "";
      c.on("secureConnect", () => c.end("hi"));
      c.on("data", (d) => {
        r += d;
      });
      c.on("close", () => resolve(r));
    });
    expect(reply).toStartWith("2 ");
    app.close();
  });

  test("shutdown → ready file removed and listeners closed", async () => {
    const cfg = config({
      CONTRAST_EGRESS_PROXY_CONFIG: `web#127.0.0.3:${await freePort("127.0.0.3")}#127.0.0.1:1`,
    });
    const mesh = await run(cfg, { log: captureLog().log, hasNetAdmin: () => false });
    const port = mesh.egress[0]!.port;
    expect(await mesh.shutdown()).toBe(0);
    expect(existsSync(cfg.readyFile)).toBe(false);
    const refused = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: "127.0.0.3", port });
      s.on("connect", () => resolve(false));
      s.on("error", () => resolve(true));
    });
    expect(refused).toBe(true);
  });
});
