// One process of the mesh proxy benchmark (started by mesh-proxy.bench.ts), so each proxy has its own event loop
// as a sidecar would:
//
//   app     --port P                          first byte S: read to the end, answer the count; E: echo
//   egress  --port P --remote-port R --tls-dir D   our egress listener on 127.0.0.2:P → mTLS to 127.0.0.1:R
//   ingress --port P --app-port A --tls-dir D      our ingress (mTLS) on 127.0.0.1:P → 127.0.0.1:A
//
// Prints `ready` on stdout once listening.

import "reflect-metadata";
import net from "node:net";
import { silentLogger } from "../src/common/log.ts";
import { startEgress } from "../src/servicemesh/egress.ts";
import { startIngress } from "../src/servicemesh/ingress.ts";
import { createMeshMetrics } from "../src/servicemesh/metrics.ts";
import { TlsStore } from "../src/servicemesh/tls-material.ts";

function arg(name: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = process.argv[i + 1];
  if (i < 0 || v === undefined) throw new Error(`--${name} missing`);
  return v;
}

const base = {
  maxConnections: 4096,
  idleTimeoutMs: 600_000,
  handshakeTimeoutMs: 10_000,
  metrics: createMeshMetrics(),
  log: silentLogger,
};

async function app(): Promise<void> {
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    s.setNoDelay(true);
    s.on("error", () => {});
    s.once("data", (first: Buffer) => {
      if (first[0] === 0x45) {
        s.write(first);
        s.pipe(s);
        return;
      }
      let n = first.length;
      s.on("data", (d: Buffer) => {
        n += d.length;
      });
      s.on("end", () => s.end(String(n)));
    });
  });
  await new Promise<void>((r) => server.listen(Number(arg("port")), "127.0.0.1", r));
}

async function egress(): Promise<void> {
  const store = await TlsStore.wait(arg("tls-dir"), 100, silentLogger);
  const entry = {
    name: "bench",
    listenAddress: "127.0.0.2",
    listenPort: Number(arg("port")),
    remoteHost: "127.0.0.1",
    remotePort: Number(arg("remote-port")),
  };
  await startEgress({ ...base, name: "bench", entry, credentials: () => store.current });
}

async function ingress(): Promise<void> {
  const store = await TlsStore.wait(arg("tls-dir"), 100, silentLogger);
  await startIngress({
    ...base,
    name: "bench",
    mode: "mtls",
    appHost: "127.0.0.1",
    appPort: Number(arg("app-port")),
    listenHost: "127.0.0.1",
    listenPort: Number(arg("port")),
    credentials: store,
  });
}

const roles: Record<string, () => Promise<void>> = { app, egress, ingress };
await roles[process.argv[2] ?? ""]!();
process.stdout.write("ready\n");
