// Test harness shared by the unit, end-to-end, integration and hardening suites: real `contrast` processes (bun
// src/main.ts) on loopback ports, free ports, temporary directories, policy documents.

import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  COORDINATOR_PIN_KEY,
  type CoordinatorPin,
  serializeCoordinatorPin,
} from "../../src/policy/coordinator-pin.ts";
import { POLICY_KEY, serializeInitdata } from "../../src/policy/initdata.ts";

export const REPO = resolve(import.meta.dir, "../..");
const BUN = process.execPath;
const MAIN = join(REPO, "src/main.ts");

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `contrast ARGS` to completion. */
export function contrast(args: string[], opts: RunOptions = {}): Promise<Result> {
  return runCommand([BUN, MAIN, ...args], opts);
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
}

/** Runs CMD to completion in the repository (or `cwd`), logging at warn unless `env` says otherwise. */
export async function runCommand(cmd: string[], opts: RunOptions = {}): Promise<Result> {
  const p = Bun.spawn(cmd, {
    cwd: opts.cwd ?? REPO,
    env: { ...process.env, CONTRAST_LOG_LEVEL: "warn", ...opts.env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(p.stdout).text(),
    new Response(p.stderr).text(),
    p.exited,
  ]);
  return { code, stdout, stderr };
}

/** Starts `contrast ARGS` in the background (a server). */
export function spawnContrast(args: string[], env: Record<string, string> = {}) {
  return Bun.spawn([BUN, MAIN, ...args], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
    s.on("error", rej);
  });
}

export async function waitForHttp(url: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      const r = await fetch(url);
      await r.text();
      return;
    } catch {
      await Bun.sleep(100);
    }
  }
  throw new Error(`timed out waiting for ${url}`);
}

export function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), `contrast-${prefix}-`));
  mkdirSync(d, { recursive: true });
  return d;
}

export function sha256Hex(b: Uint8Array | string): string {
  return createHash("sha256").update(b).digest("hex");
}

/**
 * An initdata document for a pod named `name` (the sim TEE binds its digest as HOST_DATA). With `pin` it carries the
 * Coordinator pin an Initializer needs, as `generate` writes it for pods with an Initializer.
 */
export function policyDocument(
  dir: string,
  name: string,
  pin?: CoordinatorPin,
): { path: string; digest: string; bytes: Uint8Array } {
  const bytes = serializeInitdata([
    [POLICY_KEY, `package agent_policy\n# pod ${name}\ndefault CreateContainerRequest := false\n`],
    ...(pin === undefined ? [] : [[COORDINATOR_PIN_KEY, serializeCoordinatorPin(pin)] as const]),
  ]);
  const digest = sha256Hex(bytes);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${digest}.toml`);
  writeFileSync(path, bytes);
  return { path, digest, bytes };
}

/** The loopback ports of one Coordinator's three listeners. */
export interface CoordinatorPorts {
  user: number;
  mesh: number;
  probe: number;
}

/** `contrast coordinator` on the sim TEE in `simDir`, launched with `hostData` (its policy digest), on `ports`. */
export function simCoordinatorArgs(o: {
  simDir: string;
  hostData: string;
  stateDir: string;
  ports: CoordinatorPorts;
}): string[] {
  return [
    "coordinator",
    "--tee=sim",
    `--sim-dir=${o.simDir}`,
    `--sim-host-data=${o.hostData}`,
    `--state-dir=${o.stateDir}`,
    `--user-api-addr=127.0.0.1:${o.ports.user}`,
    `--mesh-api-addr=127.0.0.1:${o.ports.mesh}`,
    `--probe-addr=127.0.0.1:${o.ports.probe}`,
  ];
}
