// Egress: a plain TCP listener on a loopback address; each connection is carried to the remote over mTLS.
//
// The upstream handshake presents the workload's certificate, trusts only the mesh CA and requires the peer's
// certificate to name the remote host (peer-check.ts). No byte of the app is sent before both checks passed.

// Egress: a plain TCP listener on a loopback address; each connection is carried to the remote over mTLS.
//
// The upstream handshake presents the workload's certificate, trusts only the mesh CA and requires the peer's
// certificate to name the remote host (peer-check.ts). No byte of the app is sent before both checks passed.

import net, { isIP } from "node:net";
import tls from "node:tls";
import type { EgressEntry } from "../kube/service-mesh-config.ts";
import { ConnectionSet, type ListenerOptions } from "./connection-set.ts";
import { isPeerRefusal, listen, type RunningListener, reasonOf } from "./listen.ts";
import { checkPeerName } from "./peer-check.ts";
import type { TlsMaterial } from "./tls-material.ts";

export interface EgressOptions extends ListenerOptions {
  readonly entry: EgressEntry;
  readonly handshakeTimeoutMs: number;
  /** The credentials to use for the next connection (they may be reloaded between connections). */
  readonly credentials: () => TlsMaterial;
}

function connectUpstream(opts: EgressOptions, conns: ConnectionSet, down: net.Socket): void {
  const { remoteHost: host, remotePort: port } = opts.entry;
  const sni = host.endsWith(".") ? host.slice(0, -1) : host;
  // allowHalfOpen is missing from the tls.connect typings but honoured (by Node and Bun): without it an upstream
  // that half-closes first would cut the app's remaining upload.
  const options: tls.ConnectionOptions & { allowHalfOpen: boolean } = {
    host,
    port,
    secureContext: opts.credentials().clientContext,
    ...(isIP(host) === 0 ? { servername: sni } : {}),
    allowHalfOpen: true,
    checkServerIdentity: (_name: string, cert: tls.PeerCertificate) => checkPeerName(host, cert),
  };
  const up = tls.connect(options);
  let bridged = false;
  const timer = setTimeout(
    () => up.destroy(new Error(`tls handshake: expected within ${opts.handshakeTimeoutMs} ms, got none`)),
    opts.handshakeTimeoutMs,
  );
  const early = (e: Error) => {
    clearTimeout(timer);
    if (bridged) return;
    conns.refuse(down, isPeerRefusal(e) ? "refused_peer" : "upstream_failed", reasonOf(e), {
      upstream: `${host}:${port}`,
    });
    up.destroy();
  };
  up.on("error", early); // `on`: a second error before the connect must not go unhandled
  up.once("secureConnect", () => {
    clearTimeout(timer);
    up.removeListener("error", early);
    bridged = true;
    conns.bridge(down, up);
  });
  down.once("close", () => {
    if (!bridged) {
      clearTimeout(timer);
      up.destroy();
    }
  });
}

/** Binds the entry's loopback address and port and starts carrying connections. */
export async function startEgress(opts: EgressOptions): Promise<RunningListener> {
  const conns = new ConnectionSet(opts);
  const server = net.createServer({ allowHalfOpen: true }, (down) => {
    down.on("error", () => {}); // reported through close; the splice takes over once bridged
    if (conns.admit(down)) connectUpstream(opts, conns, down);
  });
  const port = await listen(server, opts.entry.listenAddress, opts.entry.listenPort);
  opts.log.info("egress listening", {
    listener: opts.entry.name,
    address: `${opts.entry.listenAddress}:${port}`,
    upstream: `${opts.entry.remoteHost}:${opts.entry.remotePort}`,
  });
  return {
    name: opts.entry.name,
    port,
    connections: conns,
    close: async (drainMs) => {
      server.close();
      return conns.drain(drainMs);
    },
  };
}
