// Listener limits on the Coordinator process (issue 15 §2): 2,000 idle TCP connections (slowloris) and trickling TLS
// clients do not stop a legitimate Initializer, the header timeout closes them, and the flags set every limit.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import net from "node:net";
import { join } from "node:path";
import tls from "node:tls";
import { CONTRAST, Deployment, processStats, report } from "./harness.ts";

let d: Deployment;

async function initializerMs(out: string): Promise<number> {
  const t = performance.now();
  const p = Bun.spawn([...CONTRAST, ...d.initializerArgs(out, "60s")], {
    env: { ...process.env, COORDINATOR_HOST: d.mesh, CONTRAST_LOG_LEVEL: "error" },
    stdout: "ignore",
  });
  expect(await p.exited).toBe(0);
  return performance.now() - t;
}

interface Held {
  socket: net.Socket;
  closed: Promise<void>;
  isClosed: () => boolean;
}

function hold(socket: net.Socket): Held {
  let done = false;
  socket.on("error", () => {});
  const closed = new Promise<void>((r) =>
    socket.on("close", () => {
      done = true;
      r();
    }),
  );
  return { socket, closed, isClosed: () => done };
}

beforeAll(async () => {
  d = await Deployment.running("limits");
}, 120_000);

afterAll(async () => {
  await d?.dispose();
});

describe("slowloris against the default limits", () => {
  test("2,000 idle TCP connections and 200 trickling TLS clients → an Initializer is still served; the header timeout closes them", async () => {
    const pid = d.process!.pid;
    const baseline = await initializerMs(join(d.root, "pod-baseline"));
    const before = processStats(pid);
    const idle: Held[] = [];
    for (let i = 0; i < 2000; i++) {
      const s = net.connect(d.ports.mesh, "127.0.0.1");
      await new Promise<void>((r) => {
        s.once("connect", () => r());
        s.once("error", () => r());
      });
      idle.push(hold(s));
    }
    const trickling: Held[] = [];
    const drips: ReturnType<typeof setInterval>[] = [];
    for (let i = 0; i < 200; i++) {
      const s = tls.connect({ host: "127.0.0.1", port: d.ports.user, rejectUnauthorized: false });
      await new Promise<void>((r) => {
        s.once("secureConnect", () => r());
        s.once("error", () => r());
        s.once("close", () => r());
      });
      s.write("POST /v1/attest HTTP/1.1\r\n");
      drips.push(setInterval(() => s.writable && s.write("X-Slow: 1\r\n"), 1000));
      trickling.push(hold(s));
    }
    const during = processStats(pid);
    const attacked = await initializerMs(join(d.root, "pod-attacked"));
    const verify = await d.cli("verify");
    expect(verify.code).toBe(0);
    // Default header timeout 10 s: every one of them is closed by the server soon after.
    const start = performance.now();
    const all = [...idle, ...trickling];
    while (all.some((h) => !h.isClosed()) && performance.now() - start < 20_000) await Bun.sleep(250);
    const closedAfterMs = performance.now() - start;
    for (const t of drips) clearInterval(t);
    const stillOpen = all.filter((h) => !h.isClosed()).length;
    for (const h of all) h.socket.destroy();
    await Bun.sleep(200);
    const after = processStats(pid);
    report("slowloris", {
      idleTcp: idle.length,
      tricklingTls: trickling.length,
      initializerBaselineMs: Math.round(baseline),
      initializerUnderAttackMs: Math.round(attacked),
      coordinatorFdsBefore: before.fds,
      coordinatorFdsDuring: during.fds,
      coordinatorFdsAfter: after.fds,
      allClosedByServerWithinMs: Math.round(closedAfterMs),
      stillOpen,
    });
    expect(stillOpen).toBe(0);
    // The cap held: 1,024 on the mesh listener (not 2,000), the 200 on the user listener, the process's own.
    expect(during.fds).toBeLessThan(1024 + 200 + 64);
  }, 120_000);
});

describe("limits from flags", () => {
  test("--max-connections 50, 1s header/body/idle timeouts → slow header 408, slow body 408, idle closed, cap held", async () => {
    await d.kill();
    await d.start({}, [
      "--max-connections=50",
      "--header-timeout=1s",
      "--body-timeout=1s",
      "--idle-timeout=1s",
    ]);
    const raw = (bytes: string) =>
      new Promise<string>((resolve) => {
        const s = tls.connect({ host: "127.0.0.1", port: d.ports.user, rejectUnauthorized: false }, () =>
          s.write(bytes),
        );
        let out = "";
        s.on("data", (b) => {
          out += b;
        });
        s.on("error", () => {});
        s.on("close", () => resolve(out));
      });
    const status = (r: string) => `${/^HTTP\/1\.1 (\d+)/.exec(r)?.[1]} ${/"code":"(\w+)"/.exec(r)?.[1]}`;
    expect(status(await raw("POST /v1/attest HTTP/1.1\r\nHost: x\r\n"))).toBe("408 request_timeout");
    expect(
      status(
        await raw(
          "POST /v1/attest HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 99\r\n\r\n{",
        ),
      ),
    ).toBe("408 request_timeout");
    const idle = await raw("POST /v1/mesh/nope HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
    expect(status(idle)).toBe("404 not_found");
    const pid = d.process!.pid;
    const held: Held[] = [];
    for (let i = 0; i < 120; i++) held.push(hold(net.connect(d.ports.mesh, "127.0.0.1")));
    await Bun.sleep(300);
    const fds = processStats(pid).fds;
    const metrics = await (await fetch(`http://127.0.0.1:${d.ports.probe}/metrics`)).text();
    for (const h of held) h.socket.destroy();
    expect(fds).toBeLessThan(50 * 3 + 40);
    expect(metrics).toMatch(
      /contrast_coordinator_connection_events_total\{listener="mesh",event="connection_evicted"\} \d+/,
    );
    report("limits-flags", { maxConnections: 50, heldOpen: 120, coordinatorFds: fds });
  }, 60_000);
});
