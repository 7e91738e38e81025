// The data path on loopback with real TLS: client → egress → ingress → app, and the attacks each hop must refuse.

import { afterEach, describe, expect, test } from "bun:test";
import net from "node:net";
import tls from "node:tls";
import { createMeshCa, issueWorkload, writeTlsDir } from "../support/mesh-credentials.ts";
import {
  type App,
  exchange,
  type Mesh,
  outcomes,
  payload,
  sha256,
  startApp,
  startMesh,
  until,
} from "./proxy-fixture.ts";

const ca = await createMeshCa();
const otherCa = await createMeshCa(); // "another Coordinator": same CA names, other keys
const server = await issueWorkload(ca, ["server", "127.0.0.1"]);
const client = await issueWorkload(ca, ["client"]);
const rogueServer = await issueWorkload(otherCa, ["server", "127.0.0.1"]);
const rogueClient = await issueWorkload(otherCa, ["client"]);

let cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

async function setup(
  behaviour: Parameters<typeof startApp>[0],
  opts: Partial<Parameters<typeof startMesh>[0]> = {},
) {
  const app = await startApp(behaviour);
  const mesh = await startMesh({ server, client, appPort: app.port, ...opts });
  cleanup.push(
    () => app.close(),
    () => mesh.close(),
  );
  return { app, mesh };
}

/** A TLS client straight to the ingress listener (what another pod, or an impostor, would do). */
function directTls(mesh: Mesh, opts: tls.ConnectionOptions): Promise<{ reply: string; error?: string }> {
  return new Promise((resolve) => {
    const c = tls.connect({ host: "127.0.0.1", port: mesh.ingress.port, servername: "server", ...opts });
    let reply = "";
    let error: string | undefined;
    c.on("secureConnect", () => c.end("hello"));
    c.on("data", (d) => {
      reply += d;
    });
    c.on("error", (e) => {
      error = e.message;
    });
    c.on("close", () => resolve({ reply, error }));
  });
}

describe("egress → ingress", () => {
  test("1 MiB through both proxies → arrives intact, reply after the half-close comes back", async () => {
    const { mesh } = await setup("digest");
    const data = payload(1 << 20);
    const r = await exchange("127.0.0.2", mesh.egress.port, data);
    expect(r.reply).toBe(`${data.length} ${sha256(data)}`);
    await until(async () => (await outcomes(mesh.metrics, "in")).completed === 1);
    expect(await outcomes(mesh.metrics, "out")).toEqual({ completed: 1 });
  });

  test("app closes its side first → the client's remaining upload still reaches it", async () => {
    const { app, mesh } = await setup("early-close");
    const data = payload(256 * 1024);
    const r = await exchange("127.0.0.2", mesh.egress.port, data);
    expect(r.reply).toBe("bye");
    await until(() => app.late.length === 1);
    expect(app.late).toEqual([data.length]);
  });

  test("20 concurrent connections → each gets its own bytes back", async () => {
    const { mesh } = await setup("digest");
    const datas = Array.from({ length: 20 }, (_, i) => payload(32 * 1024 + i));
    const replies = await Promise.all(datas.map((d) => exchange("127.0.0.2", mesh.egress.port, d)));
    expect(replies.map((r) => r.reply)).toEqual(datas.map((d) => `${d.length} ${sha256(d)}`));
  });
});

describe("ingress peer checks", () => {
  test("client certificate from another Coordinator → refused and logged, app never connected", async () => {
    const { app, mesh } = await setup("digest");
    const r = await directTls(mesh, { key: rogueClient.key, cert: rogueClient.cert, ca: server.ca });
    expect(r.reply).toBe("");
    expect(app.connections).toBe(0);
    await until(async () => (await outcomes(mesh.metrics, "in")).refused_peer === 1);
    const refusal = mesh.logs.lines.find((l) => l.msg === "peer refused");
    expect(refusal?.listener).toBe("in");
    expect(String(refusal?.reason)).not.toBe("");
  });

  test("no client certificate on an mtls port → refused", async () => {
    const { app, mesh } = await setup("digest");
    const r = await directTls(mesh, { ca: server.ca });
    expect(r.reply).toBe("");
    expect(app.connections).toBe(0);
  });

  test("no client certificate on a `#false` (tls) port → served", async () => {
    const { mesh } = await setup("digest", { mode: "tls" });
    const r = await directTls(mesh, { ca: server.ca });
    expect(r.reply).toBe(`5 ${sha256(new TextEncoder().encode("hello"))}`);
  });

  test("plain text to the ingress port → refused, app never connected", async () => {
    const { app, mesh } = await setup("digest");
    const r = await exchange(
      "127.0.0.1",
      mesh.ingress.port,
      new TextEncoder().encode("GET / HTTP/1.0\r\n\r\n"),
    );
    expect(r.reply).not.toContain("GET");
    expect(app.connections).toBe(0);
  });

  test("impostor refused while a good transfer runs → the good one is unaffected", async () => {
    const { mesh } = await setup("digest");
    const data = payload(4 << 20);
    const good = exchange("127.0.0.2", mesh.egress.port, data);
    const bad = await directTls(mesh, { key: rogueClient.key, cert: rogueClient.cert, ca: server.ca });
    expect(bad.reply).toBe("");
    expect((await good).reply).toBe(`${data.length} ${sha256(data)}`);
  });
});

describe("egress peer checks", () => {
  async function egressTo(serverCreds: typeof server, remoteHost = "127.0.0.1") {
    const app = await startApp("digest");
    const mesh = await startMesh({ server: serverCreds, client, appPort: app.port, remoteHost });
    cleanup.push(
      () => app.close(),
      () => mesh.close(),
    );
    const r = await exchange("127.0.0.2", mesh.egress.port, payload(1024));
    return { app, mesh, r };
  }

  test("server certificate from another Coordinator → refused before any app byte leaves", async () => {
    const { app, mesh, r } = await egressTo(rogueServer);
    expect(r.reply).toBe("");
    expect(app.connections).toBe(0);
    expect(await outcomes(mesh.metrics, "out")).toEqual({ refused_peer: 1 });
  });

  test("server certificate without the dialed name → refused with peer_name_mismatch logged", async () => {
    const onlyName = await issueWorkload(ca, ["server"]);
    const { app, mesh, r } = await egressTo(onlyName);
    expect(r.reply).toBe("");
    expect(app.connections).toBe(0);
    const refusal = mesh.logs.lines.find((l) => l.msg === "peer refused" && l.listener === "out");
    expect(String(refusal?.reason)).toContain("subjectAltName");
  });

  test("default manifest SANs [name, *] and another dialed name → refused (bare * names no host)", async () => {
    const defaults = await issueWorkload(ca, ["web", "*"]);
    const { r, mesh } = await egressTo(defaults, "localhost");
    expect(r.reply).toBe("");
    expect(await outcomes(mesh.metrics, "out")).toEqual({ refused_peer: 1 });
  });

  test("dialed by DNS name present in the SANs → accepted", async () => {
    const named = await issueWorkload(ca, ["localhost"]);
    const { r } = await egressTo(named, "localhost");
    expect(r.reply).toStartWith("1024 ");
  });
});

describe("limits and timeouts", () => {
  function hold(port: number): Promise<net.Socket> {
    return new Promise((resolve) => {
      const s = net.connect({ host: "127.0.0.2", port, allowHalfOpen: true }, () => resolve(s));
      s.on("error", () => {});
    });
  }

  test("limit 2 reached → third connection closed at once, the two open ones still work", async () => {
    const { mesh } = await setup("digest", { maxConnections: 2 });
    const a = await hold(mesh.egress.port);
    const b = await hold(mesh.egress.port);
    await until(() => mesh.egress.connections.size === 2);
    const third = await exchange("127.0.0.2", mesh.egress.port, payload(10));
    expect(third.reply).toBe("");
    expect((await outcomes(mesh.metrics, "out")).refused_limit).toBe(1);
    const replies = [a, b].map(
      (s) =>
        new Promise<string>((resolve) => {
          let reply = "";
          s.on("data", (d) => {
            reply += d;
          });
          s.on("close", () => resolve(reply));
          s.end("xy");
        }),
    );
    expect(await Promise.all(replies)).toEqual(
      [0, 1].map(() => `2 ${sha256(new TextEncoder().encode("xy"))}`),
    );
  });

  test("no bytes for longer than the idle timeout → both sides reset, counted idle_timeout", async () => {
    const { app, mesh } = await setup("digest", { idleTimeoutMs: 300 });
    const s = await hold(mesh.egress.port);
    const closed = new Promise((r) => s.on("close", r));
    await closed;
    expect(s.errored).not.toBeNull(); // a reset, not a clean end that could pass for a complete stream
    expect(app.connections).toBe(1);
    await until(async () => (await outcomes(mesh.metrics, "out")).idle_timeout === 1);
  });

  test("app does not read → the proxies stop reading too (back-pressure), far below what was offered", async () => {
    const { mesh } = await setup("silent");
    const offered = 64 << 20;
    const s = net.connect({ host: "127.0.0.2", port: mesh.egress.port });
    s.on("error", () => {});
    const chunk = new Uint8Array(1 << 20);
    let sent = 0;
    const pump = () => {
      while (sent < offered) {
        sent += chunk.length;
        if (!s.write(chunk)) return void s.once("drain", pump);
      }
    };
    pump();
    // Wait until the copy stalls: the bytes the egress proxy read stop growing between three polls.
    let last = -1;
    let stable = 0;
    await until(() => {
      const now = mesh.egress.connections.openBytesDown();
      stable = now === last && now > 0 ? stable + 1 : 0;
      last = now;
      return stable >= 3;
    }, 20_000);
    expect(mesh.egress.connections.openBytesDown()).toBeLessThan(offered / 2);
    s.destroy();
  }, 30_000);
});

describe("drain and reload", () => {
  test("close with open connections → new ones refused, open ones finish, none aborted", async () => {
    const { mesh } = await setup("digest");
    const s = net.connect({ host: "127.0.0.2", port: mesh.egress.port, allowHalfOpen: true });
    await new Promise((r) => s.on("connect", r));
    s.write("first ");
    await until(() => mesh.egress.connections.size === 1);
    const closing = mesh.egress.close(10_000);
    const late = await exchange("127.0.0.2", mesh.egress.port, payload(5));
    expect(late.reply).toBe("");
    let reply = "";
    s.on("data", (d) => {
      reply += d;
    });
    const ended = new Promise((r) => s.on("end", r));
    s.end("second");
    expect(await closing).toBe(0);
    await ended;
    expect(reply).toBe(`12 ${sha256(new TextEncoder().encode("first second"))}`);
  });

  test("drain deadline passes → remaining connections aborted and counted drained", async () => {
    const { mesh } = await setup("silent");
    const s = net.connect({ host: "127.0.0.2", port: mesh.egress.port });
    s.on("error", () => {});
    const closed = new Promise((r) => s.on("close", r));
    await until(() => mesh.egress.connections.size === 1);
    await until(() => mesh.egress.connections.openBytesDown() >= 0 && mesh.egress.connections.size === 1);
    expect(await mesh.egress.close(100)).toBe(1);
    await closed;
    expect((await outcomes(mesh.metrics, "out")).drained).toBe(1);
  });

  test("server credentials rewritten → new handshakes use them, no restart", async () => {
    const app: App = await startApp("digest");
    const nameOnly = await issueWorkload(ca, ["server"]);
    const mesh = await startMesh({ server: nameOnly, client, appPort: app.port });
    cleanup.push(
      () => app.close(),
      () => mesh.close(),
    );
    expect((await exchange("127.0.0.2", mesh.egress.port, payload(3))).reply).toBe("");
    writeTlsDir(mesh.serverDir, server); // now also names 127.0.0.1
    expect(mesh.serverStore.poll()).toBe(true);
    expect((await exchange("127.0.0.2", mesh.egress.port, payload(3))).reply).toStartWith("3 ");
  });
});
