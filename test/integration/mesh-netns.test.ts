// Service mesh acceptance in network namespaces: two "pods" (app + sidecar each) joined by a veth pair, with
// credentials from a real Coordinator on the sim TEE and the sidecars applying real iptables rules.
//
//   pod A (client): load app → egress 127.137.0.1:8080 ──mTLS──▶ pod B: REDIRECT 8080 → ingress proxy → sink :8080
//
// Needs root, `ip` and `iptables`; skipped with the reason printed otherwise. Sizes are parameters (defaults are
// the acceptance values): CONTRAST_MESH_E2E_CONNS (100) concurrent streams of CONTRAST_MESH_E2E_BYTES (100 MiB).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  contrast,
  freePort,
  policyDocument,
  REPO,
  spawnContrast,
  tempDir,
  waitForHttp,
} from "../support/harness.ts";
import { createMeshCa, issueWorkload, writeTlsDir } from "../support/mesh-credentials.ts";

const CONNS = Number(process.env.CONTRAST_MESH_E2E_CONNS ?? 100);
const BYTES = Number(process.env.CONTRAST_MESH_E2E_BYTES ?? 100 * 1024 * 1024);
const BUN = process.execPath;
const MAIN = join(REPO, "src/main.ts");
const APP = join(import.meta.dir, "mesh-app.ts");

function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root (network namespaces and iptables)";
  for (const tool of ["ip", "iptables", "iptables-restore", "ip6tables-restore"]) {
    if (Bun.which(tool) === null) return `${tool} not installed (apt-get install iproute2 iptables)`;
  }
  return undefined;
}

const reason = skipReason();
if (reason !== undefined) console.log(`mesh-netns: skipped: ${reason}`);

const tag = `${process.pid.toString(36)}${randomBytes(2).toString("hex")}`;
const NS = { a: `ctm-${tag}-a`, b: `ctm-${tag}-b` };
const VETH = { a: `cm${tag}a`, b: `cm${tag}b` };
const IP = { a: "10.200.0.1", b: "10.200.0.2" };
const ETC_NETNS = (ns: string) => `/etc/netns/${ns}`;

type Proc = ReturnType<typeof Bun.spawn>;
const procs: Proc[] = [];

function sh(argv: string[]): string {
  const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")}: exit ${r.exitCode}: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

function inNs(
  ns: string,
  argv: string[],
  env: Record<string, string> = {},
  stdin: "pipe" | "ignore" = "ignore",
) {
  const p = Bun.spawn(["ip", "netns", "exec", ns, ...argv], {
    env: { ...process.env, CONTRAST_LOG_LEVEL: "info", ...env },
    stdin,
    stdout: "pipe",
    stderr: "pipe",
  });
  procs.push(p);
  return p;
}

/** Collects a process stream's lines as they arrive. */
function lines(stream: ReadableStream<Uint8Array>): string[] {
  const out: string[] = [];
  void (async () => {
    let buf = "";
    for await (const chunk of stream) {
      buf += new TextDecoder().decode(chunk);
      const parts = buf.split("\n");
      buf = parts.pop() ?? "";
      out.push(...parts);
    }
  })();
  return out;
}

async function until(cond: () => boolean, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

/** Runs `mesh-app.ts ARGS` inside `ns` to completion and parses its last stdout line as JSON. */
async function app(ns: string, args: string[]): Promise<Record<string, unknown>> {
  const p = inNs(ns, [BUN, APP, ...args]);
  const [out, err] = await Promise.all([
    new Response(p.stdout).text(),
    new Response(p.stderr).text(),
    p.exited,
  ]);
  const last = out.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(last);
  } catch {
    throw new Error(`mesh-app ${args[0]}: ${out} ${err}`);
  }
}

function cleanup(): void {
  for (const p of procs) if (p.exitCode === null) p.kill(9);
  for (const ns of Object.values(NS)) {
    Bun.spawnSync(["ip", "netns", "del", ns], { stderr: "ignore" });
    rmSync(ETC_NETNS(ns), { recursive: true, force: true });
  }
}

describe.skipIf(reason !== undefined)("service mesh in network namespaces", () => {
  const root = tempDir("mesh-netns");
  const pod = { a: join(root, "pod-a"), b: join(root, "pod-b") };
  let sidecar: { a: Proc; b: Proc };
  let sidecarLog: { a: string[]; b: string[] };
  let sinkLog: string[];
  const sinkConnections = () => sinkLog.filter((l) => l.includes('"event":"conn"')).length;

  beforeAll(async () => {
    process.once("exit", cleanup); // also when the runner is interrupted
    // A real Coordinator on the sim TEE issues both pods' certificates (as in test/e2e/sim-flow.test.ts).
    const sim = join(root, "sim");
    const ws = join(root, "ws");
    expect((await contrast(["sim", "init", `--dir=${sim}`])).code).toBe(0);
    // Default workspace names: `set` signs the first manifest with workload-owner.pem.
    const owner = await contrast(["keys", "new", "workload-owner", `-o=${join(ws, "workload-owner.pem")}`]);
    const seed = await contrast(["keys", "new", "seedshare-owner", `-o=${join(ws, "seedshare-owner.pem")}`]);
    const coordinatorDoc = policyDocument(join(ws, "policies"), "coordinator");
    // As generate writes them: pods with an Initializer pin the Coordinator's policy and the owner key.
    const pin = { coordinatorPolicies: [coordinatorDoc.digest], deploymentKeys: [owner.stdout.trim()] };
    const docs = {
      coordinator: coordinatorDoc,
      server: policyDocument(join(ws, "policies"), "server", pin),
      client: policyDocument(join(ws, "policies"), "client", pin),
    };
    const manifest = {
      Policies: {
        [docs.coordinator.digest]: { SANs: ["coordinator"], Role: "coordinator" },
        [docs.server.digest]: { SANs: ["server", "*"], WorkloadSecretID: "server" },
        [docs.client.digest]: { SANs: ["client", "*"], WorkloadSecretID: "client" },
      },
      ReferenceValues: JSON.parse(readFileSync(join(sim, "reference-values.json"), "utf8")),
      WorkloadOwnerPubKeys: [owner.stdout.trim()],
      SeedshareOwnerPubKeys: [seed.stdout.trim()],
    };
    writeFileSync(join(ws, "manifest.json"), JSON.stringify(manifest, null, 2));
    const ports = { user: await freePort(), mesh: await freePort(), probe: await freePort() };
    const coordinator = spawnContrast(
      [
        "coordinator",
        "--tee=sim",
        `--sim-dir=${sim}`,
        `--sim-host-data=${docs.coordinator.digest}`,
        `--state-dir=${join(root, "state")}`,
        `--user-api-addr=127.0.0.1:${ports.user}`,
        `--mesh-api-addr=127.0.0.1:${ports.mesh}`,
        `--probe-addr=127.0.0.1:${ports.probe}`,
      ],
      { CONTRAST_LOG_LEVEL: "warn" },
    );
    procs.push(coordinator);
    await waitForHttp(`http://127.0.0.1:${ports.probe}/probe/startup`);
    expect((await contrast(["set", `-c=127.0.0.1:${ports.user}`, `--workspace-dir=${ws}`])).code).toBe(0);
    for (const [name, dir] of [
      ["server", pod.b],
      ["client", pod.a],
    ] as const) {
      const r = await contrast(
        [
          "initializer",
          "--tee=sim",
          `--sim-dir=${sim}`,
          `--sim-initdata=${docs[name].path}`,
          `--out-dir=${dir}`,
        ],
        { env: { COORDINATOR_HOST: `127.0.0.1:${ports.mesh}` } },
      );
      expect(r.code).toBe(0);
    }
    // The impostor's credentials come from another CA with the same names ("another Coordinator").
    const rogue = await issueWorkload(await createMeshCa(), ["server", "client"]);
    writeTlsDir(join(root, "rogue"), rogue);

    // Two namespaces joined by a veth pair; pod A resolves `server` and `alias` to pod B.
    for (const side of ["a", "b"] as const) sh(["ip", "netns", "add", NS[side]]);
    sh(["ip", "link", "add", VETH.a, "type", "veth", "peer", "name", VETH.b]);
    for (const side of ["a", "b"] as const) {
      sh(["ip", "link", "set", VETH[side], "netns", NS[side]]);
      sh(["ip", "-n", NS[side], "addr", "add", `${IP[side]}/24`, "dev", VETH[side]]);
      // Link-local IPv6 usable at once (no duplicate address detection), for the IPv6 bypass attempt below.
      sh(["ip", "netns", "exec", NS[side], "sysctl", "-qw", `net.ipv6.conf.${VETH[side]}.accept_dad=0`]);
      sh(["ip", "-n", NS[side], "link", "set", VETH[side], "up"]);
      sh(["ip", "-n", NS[side], "link", "set", "lo", "up"]);
      // The guest's default-deny rule, which the sidecar must lift only after its own rules are in place.
      sh([
        "ip",
        "netns",
        "exec",
        NS[side],
        "iptables",
        "-A",
        "INPUT",
        "-m",
        "conntrack",
        "!",
        "--ctstate",
        "ESTABLISHED,RELATED",
        "-j",
        "DROP",
      ]);
    }
    mkdirSync(ETC_NETNS(NS.a), { recursive: true });
    writeFileSync(join(ETC_NETNS(NS.a), "hosts"), `127.0.0.1 localhost\n${IP.b} server alias\n`);

    const start = (side: "a" | "b", env: Record<string, string>) =>
      inNs(
        NS[side],
        [
          BUN,
          MAIN,
          "service-mesh",
          `--tls-dir=${join(pod[side], "tls-config")}`,
          `--ready-file=${join(pod[side], "ready")}`,
          "--drain-timeout=60s",
        ],
        env,
      );
    sidecar = {
      a: start("a", {
        CONTRAST_EGRESS_PROXY_CONFIG:
          "server#127.137.0.1:8080#server:8080##alias#127.137.0.2:8080#alias:8080##rogue#127.137.0.3:9443#server:9443",
      }),
      b: start("b", {
        CONTRAST_INGRESS_PROXY_CONFIG: "plain#9000#true##rogue#9443#true",
        CONTRAST_ADMIN_PORT: "9901",
      }),
    };
    sidecarLog = {
      a: lines(sidecar.a.stderr as ReadableStream),
      b: lines(sidecar.b.stderr as ReadableStream),
    };
    for (const side of ["a", "b"] as const) {
      await until(
        () => existsSync(join(pod[side], "ready")) || sidecar[side].exitCode !== null,
        `sidecar ${side}`,
      );
      if (sidecar[side].exitCode !== null)
        throw new Error(`sidecar ${side} exited: ${sidecarLog[side].join("\n")}`);
    }
    // The apps start after the sidecar is ready, as in a pod; the sidecar finds their ports and redirects them.
    const sink = inNs(NS.b, [BUN, APP, "sink", "--port", "8080"]);
    sinkLog = lines(sink.stdout as ReadableStream);
    inNs(NS.b, [BUN, APP, "sink", "--port", "9000"]);
    inNs(NS.b, [BUN, APP, "tls-server", "--port", "9443", "--tls-dir", join(root, "rogue")]);
    await until(
      () =>
        sh(["ip", "netns", "exec", NS.b, "iptables", "-t", "nat", "-S", "CONTRAST_MESH_INBOUND"]).includes(
          "--dport 8080",
        ),
      "redirect rule for 8080",
    );
  }, 180_000);

  afterAll(() => {
    cleanup();
    rmSync(root, { recursive: true, force: true });
  });

  test("rules in place: our chain first, the default-deny rule gone, only the app port redirected", () => {
    const input = sh(["ip", "netns", "exec", NS.b, "iptables", "-S", "INPUT"]).trim().split("\n");
    expect(input[1]).toBe("-A INPUT -j CONTRAST_MESH_INPUT");
    expect(input.join("\n")).not.toContain("--ctstate RELATED,ESTABLISHED -j DROP");
    const nat = sh(["ip", "netns", "exec", NS.b, "iptables", "-t", "nat", "-S", "CONTRAST_MESH_INBOUND"]);
    expect(nat).toMatch(/--dport 8080 -j REDIRECT --to-ports 151\d\d/);
    expect(nat).not.toContain("--dport 9000");
    expect(sh(["ip", "netns", "exec", NS.b, "ip6tables", "-S", "INPUT"])).toContain("-j CONTRAST_MESH_INPUT");
  });

  test(`${CONNS} concurrent × ${BYTES} bytes through egress → ingress → app → every byte arrives intact`, async () => {
    const r = await app(NS.a, [
      "load",
      "--target",
      "127.137.0.1:8080",
      "--conns",
      String(CONNS),
      "--bytes",
      String(BYTES),
    ]);
    console.log(
      `mesh-netns: ${CONNS} × ${BYTES} B in ${Number(r.seconds).toFixed(1)} s (${Number(r.mbps).toFixed(0)} MB/s)`,
    );
    expect(r.failed).toEqual([]);
    expect(r.ok).toBe(CONNS);
  }, 1_800_000);

  test("plain text to the app port from the other namespace → redirected into TLS, never reaches the app", async () => {
    const before = sinkConnections();
    const r = await app(NS.a, ["probe", "--target", `${IP.b}:8080`]);
    expect(String(r.reply)).not.toContain("bad"); // at most a TLS alert, never the app's answer
    expect(sinkConnections()).toBe(before);
    // A port left plain (`#true`) is reached as it is: its sink answers (and finds no pattern header).
    const plain = await app(NS.a, ["probe", "--target", `${IP.b}:9000`]);
    expect(plain.reply).toContain("bad");
  });

  test("plain text over IPv6 (link-local) to the app port → also redirected, never reaches the app", async () => {
    const ll = sh(["ip", "-n", NS.b, "-6", "-o", "addr", "show", "dev", VETH.b, "scope", "link"]).split(
      /\s+/,
    )[3];
    expect(ll).toStartWith("fe80::");
    const before = sinkConnections();
    const r = await app(NS.a, ["probe", "--target", `${ll!.split("/")[0]}%${VETH.a}:8080`]);
    expect(r.connected).toBe(true); // the proxy answered on the app's port …
    expect(String(r.reply)).not.toContain("bad"); // … and the app never saw the bytes
    expect(sinkConnections()).toBe(before);
  });

  test("client certificate from another Coordinator → refused by the ingress, app untouched", async () => {
    const before = sinkConnections();
    const r = await app(NS.a, ["probe", "--target", `${IP.b}:8080`, "--tls-dir", join(root, "rogue")]);
    expect(r.reply).toBe("");
    expect(sinkConnections()).toBe(before);
    await until(() => sidecarLog.b.some((l) => l.includes('"msg":"peer refused"')), "ingress refusal log");
  });

  test("server certificate from another Coordinator → refused by the egress before any app byte", async () => {
    const r = await app(NS.a, ["probe", "--target", "127.137.0.3:9443"]);
    expect(r.reply).toBe("");
    await until(
      () => sidecarLog.a.some((l) => l.includes('"msg":"peer refused"') && l.includes('"listener":"rogue"')),
      "egress refusal log",
    );
  });

  test("server reached under a name its certificate does not carry → refused", async () => {
    const before = sinkConnections();
    const r = await app(NS.a, ["probe", "--target", "127.137.0.2:8080"]);
    expect(r.reply).toBe("");
    expect(sinkConnections()).toBe(before);
    await until(
      () => sidecarLog.a.some((l) => l.includes('"listener":"alias"') && l.includes("subjectAltName")),
      "san log",
    );
  });

  test("admin port → per-listener counts", async () => {
    const p = inNs(NS.a, [BUN, APP, "http-get", "--url", `http://${IP.b}:9901/metrics`]);
    const text = await new Response(p.stdout).text();
    expect(text).toContain(
      `contrast_mesh_connections_total{listener="ingress-8080",outcome="completed"} ${CONNS}`,
    );
    expect(text).toMatch(
      /contrast_mesh_connections_total\{listener="ingress-8080",outcome="refused_peer"\} [1-9]/,
    );
  });

  test("SIGTERM → new connections refused, the open one finishes intact, then the sidecar exits 0", async () => {
    const bytes = 8 * 1024 * 1024;
    const holder = inNs(
      NS.a,
      [BUN, APP, "hold", "--target", "127.137.0.1:8080", "--bytes", String(bytes)],
      {},
      "pipe",
    );
    const out = lines(holder.stdout as ReadableStream);
    await until(() => out.includes("held"), "held connection");
    sidecar.a.kill("SIGTERM");
    await until(() => !existsSync(join(pod.a, "ready")), "drain start");
    const late = await app(NS.a, ["probe", "--target", "127.137.0.1:8080"]);
    expect(late.connected).toBe(false);
    expect(sidecar.a.exitCode).toBeNull();
    const stdin = holder.stdin as import("bun").FileSink;
    stdin.write("go\n");
    await stdin.end();
    expect(await holder.exited).toBe(0);
    expect(out).toContain(`ok ${bytes}`);
    expect(await sidecar.a.exited).toBe(0);
  }, 120_000);
});
