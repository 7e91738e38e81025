// The listener's own limits, as a slow or greedy client meets them: header, body and idle timeouts, the connection
// cap, and the protocol refusals (oversized, chunked, malformed) with their stable codes.

import { afterEach, describe, expect, test } from "bun:test";
import net from "node:net";
import tls from "node:tls";
import { type HttpLimits, type HttpServer, serveHttp } from "../../src/api/http-server.ts";
import { createSelfSignedServerCert } from "../../src/crypto/ca.ts";
import { exportEcPrivateKeyPkcs8Pem, generateEcKeyPair } from "../../src/crypto/keys.ts";
import { defaultRandom } from "../../src/crypto/random.ts";

const LIMITS: HttpLimits = {
  maxConnections: 8,
  headerTimeoutMs: 300,
  bodyTimeoutMs: 300,
  idleTimeoutMs: 300,
  maxHeaderBytes: 1024,
  maxBodyBytes: 4096,
};

let servers: HttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  servers = [];
});

/** Echoes method, path and body length; `/block` waits until `release()` is called. */
async function start(limits: Partial<HttpLimits> = {}, withTls?: { key: string; cert: string }) {
  let release: () => void = () => {};
  const blocked = new Promise<void>((r) => {
    release = r;
  });
  const s = await serveHttp({
    hostname: "127.0.0.1",
    port: 0,
    limits: { ...LIMITS, ...limits },
    ...(withTls ? { tls: withTls } : {}),
    fetch: async (req) => {
      const url = new URL(req.url);
      if (url.pathname === "/block") await blocked;
      const body = req.method === "GET" ? "" : await req.text();
      return Response.json({ method: req.method, path: url.pathname, length: body.length });
    },
  });
  servers.push(s);
  return { server: s, release };
}

/** A raw TCP client that collects everything until the server closes. */
function rawClient(port: number) {
  const socket = net.connect(port, "127.0.0.1");
  let data = "";
  socket.on("data", (d) => {
    data += d.toString("latin1");
  });
  socket.on("error", () => {});
  const closed = new Promise<string>((resolve) => socket.on("close", () => resolve(data)));
  const opened = new Promise<void>((resolve) => socket.on("connect", () => resolve()));
  return { socket, closed, opened, data: () => data };
}

function statusAndCode(raw: string): { status: number; code: string | undefined } {
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);
  const body = raw.slice(raw.indexOf("\r\n\r\n") + 4);
  try {
    return { status, code: (JSON.parse(body) as { code?: string }).code };
  } catch {
    return { status, code: undefined };
  }
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (cond()) return;
    await Bun.sleep(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("serveHttp timeouts", () => {
  test("headers never finished (slowloris) → 408 request_timeout, connection closed", async () => {
    const { server } = await start();
    const c = rawClient(server.port);
    c.socket.write("POST /x HTTP/1.1\r\nHost: a\r\n");
    expect(statusAndCode(await c.closed)).toEqual({ status: 408, code: "request_timeout" });
    expect(server.connections()).toBe(0);
  });

  test("a header byte now and then does not extend the header timeout → 408 request_timeout", async () => {
    const { server } = await start();
    const c = rawClient(server.port);
    const drip = setInterval(() => c.socket.write("X-A: b\r\n"), 50);
    c.socket.write("GET / HTTP/1.1\r\n");
    const r = statusAndCode(await c.closed);
    clearInterval(drip);
    expect(r).toEqual({ status: 408, code: "request_timeout" });
  });

  test("body shorter than its content-length, never finished → 408 request_timeout", async () => {
    const { server } = await start();
    const c = rawClient(server.port);
    c.socket.write("POST /x HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc");
    expect(statusAndCode(await c.closed)).toEqual({ status: 408, code: "request_timeout" });
  });

  test("kept-alive connection without a next request → closed after the idle timeout", async () => {
    const { server } = await start();
    const c = rawClient(server.port);
    c.socket.write("GET /a HTTP/1.1\r\nHost: a\r\n\r\n");
    const raw = await c.closed;
    expect(statusAndCode(raw)).toEqual({ status: 200, code: undefined });
    expect(raw).toContain("connection: keep-alive");
  });

  test("TCP connection that never starts TLS → closed by the header timeout", async () => {
    const key = await generateEcKeyPair("P-256");
    const cert = await createSelfSignedServerCert(key, { now: new Date(), random: defaultRandom });
    const { server } = await start({}, { key: await exportEcPrivateKeyPkcs8Pem(key), cert });
    const c = rawClient(server.port);
    await c.opened;
    await c.closed;
    expect(server.connections()).toBe(0);
  });
});

describe("serveHttp connection cap", () => {
  test("cap full of idle connections → a new client is served, the oldest idle one is closed", async () => {
    const { server } = await start({ maxConnections: 3, headerTimeoutMs: 60_000 });
    const idle = [rawClient(server.port), rawClient(server.port), rawClient(server.port)];
    await Promise.all(idle.map((c) => c.opened));
    await until(() => server.connections() === 3, "3 connections");
    const r = await fetch(`http://127.0.0.1:${server.port}/ok`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ method: "GET", path: "/ok", length: 0 });
    await idle[0]!.closed;
    expect(server.connections()).toBeLessThanOrEqual(3);
  });

  test("cap full of connections running requests → the new connection is closed unanswered", async () => {
    const { server, release } = await start({ maxConnections: 2, headerTimeoutMs: 60_000 });
    const busy = [rawClient(server.port), rawClient(server.port)];
    for (const c of busy) c.socket.write("GET /block HTTP/1.1\r\n\r\n");
    await until(() => server.connections() === 2, "2 busy connections");
    await Bun.sleep(50);
    const extra = rawClient(server.port);
    expect(await extra.closed).toBe("");
    release();
    for (const c of busy) await until(() => c.data().includes("200 OK"), "busy requests answered");
    for (const c of busy) c.socket.destroy();
  });

  test("TLS: cap full of handshaking connections → an HTTPS client is served", async () => {
    const key = await generateEcKeyPair("P-256");
    const cert = await createSelfSignedServerCert(key, { now: new Date(), random: defaultRandom });
    const { server } = await start(
      { maxConnections: 4, headerTimeoutMs: 60_000 },
      { key: await exportEcPrivateKeyPkcs8Pem(key), cert },
    );
    const idle = [0, 1, 2, 3].map(() => rawClient(server.port));
    await until(() => server.connections() === 4, "4 connections");
    const answer = await new Promise<string>((resolve, reject) => {
      const s = tls.connect({ host: "127.0.0.1", port: server.port, rejectUnauthorized: false }, () =>
        s.write("GET /tls HTTP/1.1\r\nConnection: close\r\n\r\n"),
      );
      let d = "";
      s.on("data", (x) => {
        d += x;
      });
      s.on("close", () => resolve(d));
      s.on("error", reject);
    });
    expect(statusAndCode(answer).status).toBe(200);
    for (const c of idle) c.socket.destroy();
  });
});

describe("serveHttp protocol refusals", () => {
  const cases: [string, string, number, string][] = [
    [
      "content-length over the body limit",
      "POST / HTTP/1.1\r\nContent-Length: 5000\r\n\r\n",
      413,
      "body_too_large",
    ],
    ["chunked body", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", 411, "length_required"],
    [
      "two different content-lengths",
      "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
      400,
      "invalid_argument",
    ],
    ["negative content-length", "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400, "invalid_argument"],
    ["request line without version", "GET /\r\n\r\n", 400, "invalid_argument"],
    ["absolute-form target", "GET http://evil/ HTTP/1.1\r\n\r\n", 400, "invalid_argument"],
    ["HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400, "invalid_argument"],
    ["header without a colon", "GET / HTTP/1.1\r\nbroken\r\n\r\n", 400, "invalid_argument"],
    ["folded header line", "GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n", 400, "invalid_argument"],
    [
      "headers over the size limit",
      `GET / HTTP/1.1\r\nA: ${"x".repeat(2000)}\r\n\r\n`,
      431,
      "headers_too_large",
    ],
    [
      "header block never ending, over the limit",
      `GET / HTTP/1.1\r\nA: ${"x".repeat(2000)}`,
      431,
      "headers_too_large",
    ],
  ];
  for (const [name, raw, status, code] of cases) {
    test(`${name} → ${status} ${code}, connection closed`, async () => {
      const { server } = await start();
      const c = rawClient(server.port);
      c.socket.write(raw);
      expect(statusAndCode(await c.closed)).toEqual({ status, code });
    });
  }

  test("two pipelined requests on one connection → both answered in order", async () => {
    const { server } = await start();
    const c = rawClient(server.port);
    c.socket.write(
      "POST /one HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /two HTTP/1.1\r\nConnection: close\r\n\r\n",
    );
    const raw = await c.closed;
    expect(raw.indexOf('"path":"/one","length":3')).toBeGreaterThan(0);
    expect(raw.indexOf('"path":"/two"')).toBeGreaterThan(raw.indexOf('"path":"/one"'));
  });

  test("Expect: 100-continue → 100 Continue, then the answer", async () => {
    const { server } = await start();
    const c = rawClient(server.port);
    c.socket.write(
      "POST /e HTTP/1.1\r\nContent-Length: 2\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
    );
    await until(() => c.data().includes("100 Continue"), "100 Continue");
    c.socket.write("hi");
    const raw = await c.closed;
    expect(raw).toContain('"length":2');
  });
});
