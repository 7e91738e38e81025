// Loopback fixtures for proxy tests: apps with known behaviour, a client that checks what came back, log capture.

import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger, type Logger } from "../../src/common/log.ts";
import type { EgressEntry } from "../../src/kube/service-mesh-config.ts";
import { startEgress } from "../../src/servicemesh/egress.ts";
import { startIngress } from "../../src/servicemesh/ingress.ts";
import type { RunningListener } from "../../src/servicemesh/listen.ts";
import { createMeshMetrics, type MeshMetrics } from "../../src/servicemesh/metrics.ts";
import { TlsStore } from "../../src/servicemesh/tls-material.ts";
import { type WorkloadCredentials, writeTlsDir } from "../support/mesh-credentials.ts";

export const sha256 = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

export interface CapturedLog {
  readonly log: Logger;
  readonly lines: Record<string, unknown>[];
}

export function captureLog(): CapturedLog {
  const lines: Record<string, unknown>[] = [];
  return {
    lines,
    log: createLogger({ level: "debug", format: "json", write: (l) => lines.push(JSON.parse(l)) }),
  };
}

export type AppBehaviour =
  /** Reads everything, then answers `<bytes> <sha256>` and ends. */
  | "digest"
  /** Never reads. */
  | "silent"
  /** Answers `bye` and ends its side at once, then counts what still arrives and reports it via `late`. */
  | "early-close";

export interface App {
  readonly port: number;
  connections: number;
  late: number[];
  close(): void;
}

export async function startApp(behaviour: AppBehaviour): Promise<App> {
  const app: App = { port: 0, connections: 0, late: [], close: () => server.close() };
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    app.connections++;
    s.on("error", () => {});
    if (behaviour === "silent") {
      s.pause();
      return;
    }
    const hash = createHash("sha256");
    let n = 0;
    if (behaviour === "early-close") s.end("bye");
    s.on("data", (d: Buffer) => {
      n += d.length;
      hash.update(d);
    });
    s.on("end", () => {
      if (behaviour === "digest") s.end(`${n} ${hash.digest("hex")}`);
      else app.late.push(n);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return Object.assign(app, { port: (server.address() as net.AddressInfo).port });
}

export interface Exchange {
  readonly reply: string;
  readonly error: string | undefined;
}

/** Connects, sends `data`, half-closes, and collects the reply until the connection closes. */
export function exchange(host: string, port: number, data: Uint8Array): Promise<Exchange> {
  return new Promise((resolve) => {
    const c = net.connect({ host, port, allowHalfOpen: true });
    let reply = "";
    let error: string | undefined;
    c.on("data", (d) => {
      reply += d;
    });
    c.on("error", (e) => {
      error = e.message;
    });
    c.on("close", () => resolve({ reply, error }));
    c.end(data);
  });
}

export const payload = (n: number) => new Uint8Array(randomBytes(n));

export interface Mesh {
  readonly ingress: RunningListener;
  readonly egress: RunningListener;
  readonly metrics: MeshMetrics;
  readonly logs: CapturedLog;
  readonly serverStore: TlsStore;
  readonly serverDir: string;
  close(): Promise<void>;
}

export interface MeshOptions {
  server: WorkloadCredentials;
  client: WorkloadCredentials;
  appPort: number;
  remoteHost?: string;
  mode?: "mtls" | "tls";
  maxConnections?: number;
  idleTimeoutMs?: number;
}

export const tempDir = (tag: string) => mkdtempSync(join(tmpdir(), `contrast-mesh-${tag}-`));

/** client → egress (127.0.0.2) → ingress → app, each proxy with its own credentials directory. */
export async function startMesh(o: MeshOptions): Promise<Mesh> {
  const logs = captureLog();
  const metrics = createMeshMetrics();
  const serverDir = writeTlsDir(tempDir("server"), o.server);
  const serverStore = await TlsStore.wait(serverDir, 10, logs.log);
  const clientStore = await TlsStore.wait(writeTlsDir(tempDir("client"), o.client), 10, logs.log);
  const base = {
    maxConnections: o.maxConnections ?? 64,
    idleTimeoutMs: o.idleTimeoutMs ?? 60_000,
    handshakeTimeoutMs: 5000,
    metrics,
    log: logs.log,
  };
  const ingress = await startIngress({
    ...base,
    name: "in",
    mode: o.mode ?? "mtls",
    appHost: "127.0.0.1",
    appPort: o.appPort,
    listenHost: "127.0.0.1",
    listenPort: 0,
    credentials: serverStore,
  });
  const entry: EgressEntry = {
    name: "out",
    listenAddress: "127.0.0.2",
    listenPort: 0,
    remoteHost: o.remoteHost ?? "127.0.0.1",
    remotePort: ingress.port,
  };
  const egress = await startEgress({ ...base, name: "out", entry, credentials: () => clientStore.current });
  return {
    ingress,
    egress,
    metrics,
    logs,
    serverStore,
    serverDir,
    close: async () => {
      await Promise.all([ingress.close(0), egress.close(0)]);
    },
  };
}

/** Metric value of `contrast_mesh_connections_total{listener,outcome}`. */
export async function outcomes(metrics: MeshMetrics, listener: string): Promise<Record<string, number>> {
  const m = await metrics.connections.get();
  const out: Record<string, number> = {};
  for (const v of m.values) if (v.labels.listener === listener) out[String(v.labels.outcome)] = v.value;
  return out;
}

/** Polls `cond` every 20 ms until true; throws after `ms` (a generous bound, not a measurement). */
export async function until(cond: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error("condition not reached");
    await Bun.sleep(20);
  }
}

/** A port that was free a moment ago on `host` (for configs that must name one). */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, host, r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}
