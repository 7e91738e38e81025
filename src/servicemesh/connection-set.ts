// The open connections of one listener: admission under a limit, one counted outcome each, drain with a deadline.

import type { Socket } from "node:net";
import type { Logger } from "../common/log.ts";
import type { ConnectionOutcome, MeshMetrics } from "./metrics.ts";
import { type AbortSplice, resetSocket, type SpliceProgress, splice } from "./splice.ts";

export interface ListenerOptions {
  /** Listener name (the config entry's name) for logs and metric labels. */
  readonly name: string;
  readonly maxConnections: number;
  readonly idleTimeoutMs: number;
  readonly metrics: MeshMetrics;
  readonly log: Logger;
}

export class ConnectionSet {
  private readonly open = new Map<Socket, AbortSplice | undefined>();
  private readonly progress = new Map<Socket, SpliceProgress>();
  private readonly settled = new WeakSet<Socket>();
  private draining = false;
  private emptied: (() => void) | undefined;

  constructor(private readonly opts: ListenerOptions) {}

  get size(): number {
    return this.open.size;
  }

  /** Bytes read so far from the downstream sides of the open connections (back-pressure is visible here). */
  openBytesDown(): number {
    let n = 0;
    for (const p of this.progress.values()) n += p.bytesDown;
    return n;
  }

  /** Takes a freshly accepted socket, or destroys it when the listener is full or draining. */
  admit(down: Socket): boolean {
    if (this.draining || this.open.size >= this.opts.maxConnections) {
      this.count(down, "refused_limit");
      down.on("error", () => {});
      resetSocket(down);
      return false;
    }
    this.open.set(down, undefined);
    this.opts.metrics.active.inc({ listener: this.opts.name });
    down.once("close", () => {
      const bridged = this.open.get(down) !== undefined;
      this.open.delete(down);
      if (!bridged) this.count(down, "error"); // closed during the handshake or the upstream connect
      this.opts.metrics.active.dec({ listener: this.opts.name });
      if (this.open.size === 0) this.emptied?.();
    });
    return true;
  }

  /** The peer or upstream failed before any byte was copied: close this connection only, log the reason. */
  refuse(down: Socket, outcome: "refused_peer" | "upstream_failed", reason: string, fields = {}): void {
    if (this.settled.has(down)) return;
    this.count(down, outcome);
    const level = outcome === "refused_peer" ? "warn" : "info";
    this.opts.log[level](outcome === "refused_peer" ? "peer refused" : "upstream unreachable", {
      listener: this.opts.name,
      remote: `${down.remoteAddress}:${down.remotePort}`,
      reason,
      ...fields,
    });
    resetSocket(down);
  }

  /** Both sides are connected: copy until both directions ended, then count the outcome and the bytes. */
  bridge(down: Socket, up: Socket): void {
    if (down.destroyed || up.destroyed) {
      resetSocket(down);
      resetSocket(up);
      this.count(down, "error");
      return;
    }
    const progress = { bytesDown: 0, bytesUp: 0 };
    this.progress.set(down, progress);
    const abort = splice(
      down,
      up,
      this.opts.idleTimeoutMs,
      (r) => {
        this.progress.delete(down);
        const name = this.opts.name;
        this.opts.metrics.bytes.inc({ listener: name, direction: "downstream" }, r.bytesDown);
        this.opts.metrics.bytes.inc({ listener: name, direction: "upstream" }, r.bytesUp);
        this.count(down, r.outcome);
        if (r.outcome !== "completed") {
          this.opts.log.debug("connection ended", {
            listener: name,
            outcome: r.outcome,
            reason: r.error?.message,
          });
        }
      },
      progress,
    );
    if (this.open.has(down)) this.open.set(down, abort);
  }

  /** Stops admitting; resolves once every connection closed, or aborts the rest at the deadline. */
  async drain(deadlineMs: number): Promise<number> {
    this.draining = true;
    if (this.open.size === 0) return 0;
    const emptied = new Promise<void>((resolve) => {
      this.emptied = resolve;
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<"deadline">((resolve) => {
      timer = setTimeout(() => resolve("deadline"), deadlineMs);
    });
    const first = await Promise.race([emptied, deadline]);
    clearTimeout(timer);
    if (first !== "deadline") return 0;
    const aborted = this.open.size;
    for (const [down, abort] of this.open) {
      if (abort) abort("drained");
      else {
        this.count(down, "drained");
        resetSocket(down);
      }
    }
    await emptied;
    return aborted;
  }

  private count(down: Socket, outcome: ConnectionOutcome): void {
    if (this.settled.has(down)) return;
    this.settled.add(down);
    this.opts.metrics.connections.inc({ listener: this.opts.name, outcome });
  }
}
