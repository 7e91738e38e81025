// The workload's mesh credentials from the Initializer's files: loaded once complete, reloaded when they change.
//
// The Initializer writes each file atomically but the three one after another, so a reader can see a new CA next
// to an old certificate, or a new certificate next to an old key. A set whose key does not match its certificate
// is not taken; the previous one stays in use and the next poll tries again.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import tls from "node:tls";
import { sha256Hex } from "../common/digest.ts";
import { ParseError, UnavailableError } from "../common/errors.ts";
import type { Logger } from "../common/log.ts";

/** The Initializer's file names inside its `tls-config` directory (kept equal by a test). */
export const TLS_FILE_NAMES = Object.freeze({
  meshCA: "mesh-ca.pem",
  certChain: "certChain.pem",
  key: "key.pem",
});

export interface TlsMaterial {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
  /** Client context (own certificate, mesh CA as the only trust anchor) shared by all egress connections. */
  readonly clientContext: tls.SecureContext;
  /** SHA-256 of the certificate chain file, hex: names this set in logs without touching the key. */
  readonly certDigest: string;
}

interface RawFiles {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

function readRaw(dir: string): RawFiles {
  const read = (name: string) => {
    try {
      return readFileSync(join(dir, name), "utf8");
    } catch (e) {
      throw new UnavailableError(
        "mesh_credentials_missing",
        `${join(dir, name)}: expected a file, got none`,
        {
          cause: e,
        },
      );
    }
  };
  return {
    ca: read(TLS_FILE_NAMES.meshCA),
    cert: read(TLS_FILE_NAMES.certChain),
    key: read(TLS_FILE_NAMES.key),
  };
}

function build(raw: RawFiles, dir: string): TlsMaterial {
  let clientContext: tls.SecureContext;
  try {
    clientContext = tls.createSecureContext({ key: raw.key, cert: raw.cert, ca: raw.ca });
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new ParseError(
      "mesh_credentials_invalid",
      `${dir}: expected a matching key, certificate and CA, got ${why}`,
      {
        cause: e,
      },
    );
  }
  const certDigest = sha256Hex(raw.cert);
  return Object.freeze({ ...raw, clientContext, certDigest });
}

/** Reads and checks the three files once. */
export function loadTlsMaterial(dir: string): TlsMaterial {
  return build(readRaw(dir), dir);
}

function sameRaw(a: RawFiles, b: RawFiles): boolean {
  return a.ca === b.ca && a.cert === b.cert && a.key === b.key;
}

/** Holds the current credentials and tells subscribers when a new complete set was loaded. */
export class TlsStore {
  private listeners: ((m: TlsMaterial) => void)[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private lastRefused: RawFiles | undefined;

  private constructor(
    private material: TlsMaterial,
    private readonly dir: string,
    private readonly log: Logger,
  ) {}

  get current(): TlsMaterial {
    return this.material;
  }

  /** Polls until the files exist and form a valid set (the Initializer runs before the sidecar, but may be slow). */
  static async wait(dir: string, intervalMs: number, log: Logger, signal?: AbortSignal): Promise<TlsStore> {
    for (let attempt = 0; ; attempt++) {
      try {
        return new TlsStore(loadTlsMaterial(dir), dir, log);
      } catch (e) {
        if (!(e instanceof UnavailableError || e instanceof ParseError)) throw e;
        if (signal?.aborted) throw e;
        if (attempt % 20 === 0) log.info("waiting for mesh credentials", { dir, reason: e.message });
        await Bun.sleep(intervalMs);
      }
    }
  }

  onChange(fn: (m: TlsMaterial) => void): void {
    this.listeners.push(fn);
  }

  /** Checks the files every `intervalMs`; an unchanged or incomplete set changes nothing. */
  start(intervalMs: number): void {
    this.timer ??= setInterval(() => this.poll(), intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One check (exposed for tests): true when a new set was taken. */
  poll(): boolean {
    let raw: RawFiles;
    try {
      raw = readRaw(this.dir);
    } catch {
      return false;
    }
    if (sameRaw(raw, this.material) || (this.lastRefused && sameRaw(raw, this.lastRefused))) return false;
    try {
      this.material = build(raw, this.dir);
    } catch (e) {
      this.lastRefused = raw;
      this.log.warn("mesh credentials not reloaded", { reason: e instanceof Error ? e.message : String(e) });
      return false;
    }
    this.lastRefused = undefined;
    this.log.info("mesh credentials reloaded", { certDigest: this.material.certDigest });
    for (const fn of this.listeners) fn(this.material);
    return true;
  }
}
