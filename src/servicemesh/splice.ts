// Copies bytes both ways between two connected sockets, the way a TCP proxy must.
//
// Back-pressure: `pipe` pauses the reading side while the writing side's buffer is above its high-water mark, so a
// slow reader never makes the proxy buffer more than a few chunks per direction. Half-close: both sockets are
// created with `allowHalfOpen`, and the end of one direction (FIN or TLS close_notify) is forwarded as an end on the
// other socket while the reverse direction keeps flowing. Idle: no bytes either way for `idleTimeoutMs` closes both.
// An error, reset, idle timeout or drain abort resets both sides; the result is reported once, after both closed.

import type { Socket } from "node:net";

export type SpliceOutcome = "completed" | "idle_timeout" | "error" | "drained";

export interface SpliceResult {
  /** Bytes read from the downstream (accepted) socket and written upstream. */
  readonly bytesDown: number;
  /** Bytes read from upstream and written back downstream. */
  readonly bytesUp: number;
  readonly outcome: SpliceOutcome;
  readonly error: Error | undefined;
}

/** Ends a splice early (drain deadline): both sockets are destroyed and the outcome recorded. */
export type AbortSplice = (outcome?: SpliceOutcome) => void;

/** Live byte counts of one splice (read by the listener's accounting while the copy runs). */
export interface SpliceProgress {
  bytesDown: number;
  bytesUp: number;
}

/**
 * Ends a socket abnormally: a TCP reset where the socket has one, so the peer sees an error and never mistakes a
 * cut-off stream for a complete one (a FIN would read as a clean end of the data).
 */
export function resetSocket(s: Socket): void {
  if (s.destroyed) return;
  try {
    s.resetAndDestroy();
  } catch {
    s.destroy();
  }
}

export function splice(
  down: Socket,
  up: Socket,
  idleTimeoutMs: number,
  done: (result: SpliceResult) => void,
  progress: SpliceProgress = { bytesDown: 0, bytesUp: 0 },
): AbortSplice {
  let outcome: SpliceOutcome = "completed";
  let error: Error | undefined;
  let closed = 0;
  const fail = (why: SpliceOutcome, e?: Error) => {
    if (outcome === "completed") {
      outcome = why;
      error = e;
    }
    resetSocket(down);
    resetSocket(up);
  };
  const watch = (s: Socket) => {
    // No Nagle delay added by the proxy: the app chose its own on the original socket (Envoy does the same).
    s.setNoDelay(true);
    s.setTimeout(idleTimeoutMs);
    s.on("timeout", () => fail("idle_timeout"));
    s.on("error", (e) => fail("error", e));
    s.once("close", (hadError: boolean) => {
      if (hadError) fail("error");
      if (++closed === 2) done({ ...progress, outcome, error });
    });
  };
  watch(down);
  watch(up);
  down.on("data", (chunk: Buffer) => {
    progress.bytesDown += chunk.length;
  });
  up.on("data", (chunk: Buffer) => {
    progress.bytesUp += chunk.length;
  });
  down.pipe(up);
  up.pipe(down);
  return (why = "drained") => fail(why);
}
