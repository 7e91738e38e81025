// Small socket helpers shared by the listeners: bind with a clear error, classify and describe failures.

import type { Server } from "node:net";
import { UnavailableError, VerificationError } from "../common/errors.ts";
import type { ConnectionSet } from "./connection-set.ts";

export interface RunningListener {
  readonly name: string;
  readonly port: number;
  readonly connections: ConnectionSet;
  /** Stops accepting, waits for open connections up to the deadline, then aborts the rest; returns how many. */
  close(drainMs: number): Promise<number>;
}

/** Binds `server`; resolves with the bound port, rejects with `listen_failed` naming the address. */
export function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException) => {
      reject(
        new UnavailableError(
          "listen_failed",
          `listen ${host}:${port}: expected a free address, got ${e.code ?? e.message}`,
          {
            cause: e,
          },
        ),
      );
    };
    server.once("error", onError);
    server.listen({ host, port, exclusive: true }, () => {
      server.removeListener("error", onError);
      server.on("error", () => {}); // accept errors (EMFILE …) are per connection; the listener stays up
      resolve((server.address() as { port: number }).port);
    });
  });
}

/** Socket-level failures (refused, unreachable, reset, DNS) are the upstream's; everything else is the peer's TLS. */
const TRANSPORT_ERRORS = /^(E[A-Z]+|ERR_SOCKET_.*)$/;

export function isPeerRefusal(e: Error): boolean {
  if (e instanceof VerificationError) return true;
  const code = (e as NodeJS.ErrnoException).code;
  return typeof code === "string" && !TRANSPORT_ERRORS.test(code);
}

/** `CODE: message` without stack or key material (TLS errors carry neither). */
export function reasonOf(e: Error): string {
  const code = (e as NodeJS.ErrnoException).code ?? (e as { code?: unknown }).code;
  return typeof code === "string" && !e.message.includes(code) ? `${code}: ${e.message}` : e.message;
}
