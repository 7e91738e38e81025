// Ingress: a TLS listener in front of one app port; each connection is forwarded as plain TCP to the app on loopback.
//
// `mtls` requires a client certificate that verifies against the mesh CA (any workload of this deployment);
// `tls` (`name#port#false`) serves the workload's certificate without asking for one. A failed handshake closes
// that connection only and is logged with the TLS library's reason.

import net from "node:net";
import tls from "node:tls";
import { ConnectionSet, type ListenerOptions } from "./connection-set.ts";
import { listen, type RunningListener, reasonOf } from "./listen.ts";
import type { TlsMaterial, TlsStore } from "./tls-material.ts";

export interface IngressOptions extends ListenerOptions {
  readonly mode: "mtls" | "tls";
  /** Where the app listens: 127.0.0.1 or ::1, and its port. */
  readonly appHost: string;
  readonly appPort: number;
  /** Address and port of this listener (0 = any free port). */
  readonly listenHost: string;
  readonly listenPort: number;
  readonly handshakeTimeoutMs: number;
  readonly credentials: TlsStore;
}

function serverOptions(
  m: TlsMaterial,
  mode: IngressOptions["mode"],
): tls.SecureContextOptions & tls.TlsOptions {
  return {
    key: m.key,
    cert: m.cert,
    ca: m.ca,
    requestCert: mode === "mtls",
    rejectUnauthorized: mode === "mtls",
  };
}

function forward(opts: IngressOptions, conns: ConnectionSet, down: tls.TLSSocket): void {
  const up = net.connect({ host: opts.appHost, port: opts.appPort, allowHalfOpen: true });
  let bridged = false;
  const early = (e: Error) => {
    conns.refuse(down, "upstream_failed", reasonOf(e), { upstream: `${opts.appHost}:${opts.appPort}` });
    up.destroy();
  };
  up.on("error", early); // `on`: a second error before the connect must not go unhandled
  up.once("connect", () => {
    up.removeListener("error", early);
    bridged = true;
    conns.bridge(down, up);
  });
  down.once("close", () => {
    if (!bridged) up.destroy();
  });
}

/** Starts the TLS listener for one app port; new credentials apply to new handshakes. */
export async function startIngress(opts: IngressOptions): Promise<RunningListener> {
  const conns = new ConnectionSet(opts);
  const server = tls.createServer({
    ...serverOptions(opts.credentials.current, opts.mode),
    allowHalfOpen: true,
    handshakeTimeout: opts.handshakeTimeoutMs,
  });
  // Admission before the handshake: a flood of half-open handshakes is what the limit is for.
  server.on("connection", (s: net.Socket) => {
    s.on("error", () => {});
    conns.admit(s);
  });
  server.on("secureConnection", (down: tls.TLSSocket) => {
    if (!down.destroyed) forward(opts, conns, down);
  });
  server.on("tlsClientError", (e: Error, s: tls.TLSSocket) => {
    conns.refuse(s, "refused_peer", reasonOf(e));
    s.destroy();
  });
  opts.credentials.onChange((m) => server.setSecureContext(serverOptions(m, opts.mode)));
  const port = await listen(server, opts.listenHost, opts.listenPort);
  opts.log.info("ingress listening", {
    listener: opts.name,
    mode: opts.mode,
    port,
    upstream: `${opts.appHost}:${opts.appPort}`,
  });
  return {
    name: opts.name,
    port,
    connections: conns,
    close: async (drainMs) => {
      server.close();
      return conns.drain(drainMs);
    },
  };
}
