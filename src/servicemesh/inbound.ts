// Inbound redirection: put the rules in place, then follow the ports the app binds and give each its own proxy.
//
// Until a port is discovered its connections are reset by our filter chain, so an app that binds after the
// sidecar became ready is never reachable in plain text, only briefly unreachable.

import { UnavailableError } from "../common/errors.ts";
import type { Logger } from "../common/log.ts";
import type { MeshSettings } from "../kube/service-mesh-config.ts";
import type { ListenerOptions } from "./connection-set.ts";
import { startIngress } from "./ingress.ts";
import type { RunningListener } from "./listen.ts";
import type { AppHost, ListeningPorts } from "./listen-ports.ts";
import type { Netfilter } from "./netfilter.ts";
import type { InboundPlan } from "./redirect-rules.ts";
import type { TlsStore } from "./tls-material.ts";

/** How many ports above the base are tried for proxy listeners. */
const PORT_RANGE = 900;

export interface InboundOptions {
  readonly mesh: MeshSettings;
  readonly portBase: number;
  /** Address the proxy listeners bind: `::` (dual stack) or `0.0.0.0` without IPv6. */
  readonly listenHost: string;
  readonly listener: Omit<ListenerOptions, "name">;
  readonly handshakeTimeoutMs: number;
  readonly credentials: TlsStore;
  readonly netfilter: Netfilter;
  readonly readPorts: () => ListeningPorts;
  readonly log: Logger;
}

interface Served {
  readonly appPort: number;
  readonly listener: RunningListener;
}

export class Inbound {
  private readonly served = new Map<number, Served>();
  private readonly reported = new Set<number>();
  private nextPort: number;
  /** True until a plan was applied, and again after a failed apply: the next round applies. */
  private dirty = true;
  private running: Promise<void> | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly opts: InboundOptions) {
    this.nextPort = opts.portBase;
  }

  /** Ports accepted without the mesh: `#true` entries and the admin port. */
  private openPorts(): number[] {
    const plain = this.opts.mesh.ingress.filter((e) => e.mode === "plain").map((e) => e.port);
    return this.opts.mesh.adminPort === undefined ? plain : [...plain, this.opts.mesh.adminPort];
  }

  plan(): InboundPlan {
    const redirects = [...this.served.values()].map((s) => ({
      appPort: s.appPort,
      proxyPort: s.listener.port,
    }));
    return { redirects, openPorts: this.openPorts() };
  }

  get listeners(): readonly RunningListener[] {
    return [...this.served.values()].map((s) => s.listener);
  }

  /** Our chains, then the jumps into them, then (only then) the pod's default-deny rule goes. */
  async start(): Promise<void> {
    await this.reconcile();
    if (this.dirty)
      throw new UnavailableError("netfilter_failed", "inbound rules: expected them applied, got a failure");
    await this.opts.netfilter.ensureJumps();
    const removed = await this.opts.netfilter.removeDefaultDeny();
    this.opts.log.info("inbound rules in place", {
      redirects: this.served.size,
      defaultDenyRemoved: removed,
    });
  }

  startPolling(intervalMs: number): void {
    this.timer ??= setInterval(() => {
      this.running ??= this.reconcile().finally(() => {
        this.running = undefined;
      });
    }, intervalMs);
  }

  /** One discovery round: new wildcard ports get a proxy listener, then the rules are rewritten once. */
  async reconcile(): Promise<void> {
    const ports = this.opts.readPorts();
    const skip = new Set([...this.openPorts(), ...this.listeners.map((l) => l.port)]);
    let changed = this.dirty;
    for (const [port, host] of ports.wildcard) {
      if (this.served.has(port) || skip.has(port)) continue;
      try {
        this.served.set(port, { appPort: port, listener: await this.serve(port, host) });
        changed = true;
      } catch (e) {
        this.opts.log.error("ingress listener failed", {
          port,
          reason: e instanceof Error ? e.message : String(e),
        });
      }
    }
    for (const port of ports.specific) {
      if (this.reported.has(port)) continue;
      this.reported.add(port);
      this.opts.log.warn("port bound to a single address is not served by the mesh", { port });
    }
    if (!changed) return;
    try {
      await this.opts.netfilter.apply(this.plan());
      this.dirty = false;
    } catch (e) {
      this.dirty = true;
      this.opts.log.error("inbound rules not applied", {
        reason: e instanceof Error ? e.message : String(e),
      });
    }
  }

  private async serve(appPort: number, appHost: AppHost): Promise<RunningListener> {
    const entry = this.opts.mesh.ingress.find((e) => e.port === appPort);
    while (this.nextPort < this.opts.portBase + PORT_RANGE) {
      const listenPort = this.nextPort++;
      try {
        return await startIngress({
          ...this.opts.listener,
          name: entry?.name ?? `ingress-${appPort}`,
          mode: entry?.mode === "tls" ? "tls" : "mtls",
          appHost,
          appPort,
          listenHost: this.opts.listenHost,
          listenPort,
          handshakeTimeoutMs: this.opts.handshakeTimeoutMs,
          credentials: this.opts.credentials,
        });
      } catch (e) {
        if (!(e instanceof UnavailableError)) throw e;
      }
    }
    throw new UnavailableError(
      "listen_failed",
      `ingress listener: expected a free port in ${this.opts.portBase}-${this.opts.portBase + PORT_RANGE - 1}, got none`,
    );
  }

  /** Stops discovery and drains every ingress listener; the rules stay, so inbound stays denied. */
  async close(drainMs: number): Promise<number> {
    clearInterval(this.timer);
    await this.running;
    const counts = await Promise.all(this.listeners.map((l) => l.close(drainMs)));
    return counts.reduce((a, b) => a + b, 0);
  }
}
