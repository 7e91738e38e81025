// The hardening suite's fixture (issue 15 §2): one deployment on the sim TEE with a Coordinator as a real process of
// the built binary, plus helpers to measure (RSS, fds), seed randomness and print the figures each test reports.

import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { postJson } from "../../src/api/client.ts";
import { type AttestedCoordinator, attestCoordinator } from "../../src/cli/attest-coordinator.ts";
import { createCliVerifier } from "../../src/cli/cli-verifier.ts";
import { fromBase64, toBase64, toHex } from "../../src/common/bytes.ts";
import { silentLogger } from "../../src/common/log.ts";
import { importEcPrivateKeyPem } from "../../src/crypto/keys.ts";
import { computeTransitionHash, signTransition } from "../../src/crypto/transition.ts";
import { readInitializerConfig } from "../../src/initializer/config.ts";
import { type InitializerDeps, prepareInitializer } from "../../src/initializer/run.ts";
import { parseManifest } from "../../src/manifest/parse-manifest.ts";
import type { Manifest } from "../../src/manifest/schema.ts";
import { createEvidenceVerifier } from "../../src/manifest/verify-evidence.ts";
import {
  type CoordinatorPorts,
  freePort,
  policyDocument,
  type Result,
  runCommand,
  simCoordinatorArgs,
  tempDir,
  waitForHttp,
} from "../support/harness.ts";

export type { Result };

export const REPO = resolve(import.meta.dir, "../..");
/** CONTRAST_HARD_BIN runs the suite's processes from another build (e.g. an earlier commit, to see a test fail). */
const BIN = process.env.CONTRAST_HARD_BIN ?? join(REPO, "dist/contrast");
/** The built binary (make test-hard builds it); `bun src/main.ts` when it is missing. */
export const CONTRAST: string[] = existsSync(BIN) ? [BIN] : [process.execPath, join(REPO, "src/main.ts")];

/** Runs `contrast ARGS` (the built binary) to completion. */
export function contrast(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return runCommand([...CONTRAST, ...args], { env });
}

/** A sim deployment: sim dir, owner keys, a workspace with manifest and policies, a state dir. */
export class Deployment {
  readonly root: string;
  readonly sim: string;
  readonly ws: string;
  stateDir: string;
  ports!: CoordinatorPorts;
  coordinatorDigest = "";
  readonly docs: Record<string, ReturnType<typeof policyDocument>> = {};
  ownerHex = "";
  referenceValues: unknown;
  process: ReturnType<typeof Bun.spawn> | undefined;
  private stderrText = "";

  private constructor(name: string) {
    this.root = tempDir(`hard-${name}`);
    this.sim = join(this.root, "sim");
    this.ws = join(this.root, "ws");
    this.stateDir = join(this.root, "state");
  }

  /** Sim, keys, one Coordinator policy and pods `pods` (pinned to this deployment), manifest written. */
  static async create(name: string, pods = ["web"]): Promise<Deployment> {
    const d = new Deployment(name);
    mkdirSync(d.ws, { recursive: true });
    const ok = async (args: string[]) => {
      const r = await contrast(args);
      if (r.code !== 0) throw new Error(`contrast ${args.join(" ")}: ${r.stderr}`);
      return r.stdout.trim();
    };
    const [, owner, seedOwner] = await Promise.all([
      ok(["sim", "init", `--dir=${d.sim}`]),
      ok(["keys", "new", "workload-owner", `-o=${join(d.ws, "workload-owner.pem")}`]),
      ok(["keys", "new", "seedshare-owner", `-o=${join(d.ws, "seedshare-owner.pem")}`]),
    ]);
    d.ownerHex = owner;
    d.seedOwnerHex = seedOwner;
    const coord = policyDocument(join(d.ws, "policies"), "coordinator");
    d.coordinatorDigest = coord.digest;
    d.docs.coordinator = coord;
    const pin = { coordinatorPolicies: [coord.digest], deploymentKeys: [d.ownerHex] };
    for (const p of pods) d.docs[p] = policyDocument(join(d.ws, "policies"), p, pin);
    d.referenceValues = JSON.parse(readFileSync(join(d.sim, "reference-values.json"), "utf8"));
    d.writeManifest(d.manifestText());
    d.ports = { user: await freePort(), mesh: await freePort(), probe: await freePort() };
    return d;
  }

  seedOwnerHex = "";

  /** A deployment whose Coordinator runs and holds the manifest (`set` exited 0): what most hard tests start from. */
  static async running(name: string, pods?: string[]): Promise<Deployment> {
    const d = await Deployment.create(name, pods);
    await d.start();
    const r = await d.cli("set");
    if (r.code !== 0) throw new Error(`contrast set: exit ${r.code}: ${r.stderr}`);
    return d;
  }

  /** `contrast initializer` for pod `pod` (its initdata proven), writing to `out`, giving up after `timeout`. */
  initializerArgs(out: string, timeout: string, pod = "web"): string[] {
    return [
      "initializer",
      "--tee=sim",
      `--sim-dir=${this.sim}`,
      `--sim-initdata=${this.docs[pod]!.path}`,
      `--out-dir=${out}`,
      `--timeout=${timeout}`,
    ];
  }

  /** The manifest's text; `generation` adds a SAN so every update is a different manifest. */
  manifestText(generation = 0): string {
    const pods = Object.keys(this.docs).filter((n) => n !== "coordinator");
    const policies: Record<string, unknown> = {
      [this.coordinatorDigest]: { SANs: ["coordinator"], Role: "coordinator" },
    };
    for (const p of pods) {
      policies[this.docs[p]!.digest] = {
        SANs: [p, "127.0.0.1", ...(generation > 0 ? [`gen-${generation}.${p}.test`] : [])],
        WorkloadSecretID: `apps/v1/Deployment/default/${p}`,
      };
    }
    const m = {
      Policies: policies,
      ReferenceValues: this.referenceValues,
      WorkloadOwnerPubKeys: [this.ownerHex],
      SeedshareOwnerPubKeys: [this.seedOwnerHex],
    };
    return `${JSON.stringify(m, null, 2)}\n`;
  }

  writeManifest(text: string): void {
    writeFileSync(join(this.ws, "manifest.json"), text);
  }

  get manifest(): Manifest {
    return parseManifest(readFileSync(join(this.ws, "manifest.json"))).manifest;
  }

  coordinatorArgs(extra: string[] = []): string[] {
    return [
      ...simCoordinatorArgs({
        simDir: this.sim,
        hostData: this.coordinatorDigest,
        stateDir: this.stateDir,
        ports: this.ports,
      }),
      ...extra,
    ];
  }

  /** Starts the Coordinator process and waits for its startup probe; throws with its stderr if it exits. */
  async start(env: Record<string, string> = {}, extra: string[] = []): Promise<void> {
    this.stderrText = "";
    const p = Bun.spawn([...CONTRAST, ...this.coordinatorArgs(extra)], {
      cwd: REPO,
      env: { ...process.env, CONTRAST_LOG_LEVEL: "warn", ...env },
      stdout: "ignore",
      stderr: "pipe",
    });
    this.process = p;
    void (async () => {
      for await (const chunk of p.stderr as ReadableStream<Uint8Array>)
        this.stderrText += new TextDecoder().decode(chunk);
    })();
    const exited = p.exited.then((code) => {
      throw new Error(`coordinator exited with ${code}: ${this.stderrText.slice(-2000)}`);
    });
    await Promise.race([waitForHttp(`http://127.0.0.1:${this.ports.probe}/probe/startup`, 30_000), exited]);
  }

  get stderr(): string {
    return this.stderrText;
  }

  async kill(signal: NodeJS.Signals | number = "SIGKILL"): Promise<void> {
    const p = this.process;
    if (p === undefined) return;
    p.kill(signal);
    await p.exited;
    this.process = undefined;
  }

  /** Stops the Coordinator and removes everything the deployment wrote. */
  async dispose(): Promise<void> {
    await this.kill();
    rmSync(this.root, { recursive: true, force: true });
  }

  /**
   * Starts a Coordinator on `stateDir` (fresh ports) and reports whether it started or exited, and its stderr.
   * A started one is killed again: this is for states that must be refused.
   */
  async startOutcome(
    stateDir: string,
  ): Promise<{ started: boolean; code: number | undefined; stderr: string }> {
    const ports = { user: await freePort(), mesh: await freePort(), probe: await freePort() };
    const saved = { ports: this.ports, stateDir: this.stateDir };
    Object.assign(this, { ports, stateDir });
    const p = Bun.spawn([...CONTRAST, ...this.coordinatorArgs()], {
      cwd: REPO,
      env: { ...process.env, CONTRAST_LOG_LEVEL: "warn" },
      stdout: "ignore",
      stderr: "pipe",
    });
    Object.assign(this, saved);
    const stderr = new Response(p.stderr).text();
    const started = await Promise.race([
      waitForHttp(`http://127.0.0.1:${ports.probe}/probe/startup`, 30_000).then(() => true),
      p.exited.then(() => false),
    ]);
    if (started) p.kill("SIGKILL");
    const code = await p.exited;
    return { started, code: started ? undefined : code, stderr: await stderr };
  }

  async readiness(): Promise<number> {
    return (await fetch(`http://127.0.0.1:${this.ports.probe}/probe/readiness`)).status;
  }

  get user(): string {
    return `127.0.0.1:${this.ports.user}`;
  }

  get mesh(): string {
    return `127.0.0.1:${this.ports.mesh}`;
  }

  cli(cmd: string, extra: string[] = []): Promise<Result> {
    return contrast([cmd, `-c=${this.user}`, `--workspace-dir=${this.ws}`, ...extra]);
  }

  /** Attests the Coordinator in-process against the workspace manifest (as `set` does). */
  attest(): Promise<AttestedCoordinator> {
    return attestCoordinator(this.user, this.manifest, {
      verifier: createCliVerifier(process.env),
      log: silentLogger,
      retryForMs: 0,
    });
  }

  /** An owner-signed set of `text` on top of the attested head, in-process (no CLI process start). */
  async setInProcess(c: AttestedCoordinator, text: string): Promise<{ status: number; body: unknown }> {
    const bytes = new TextEncoder().encode(text);
    const owner = await importEcPrivateKeyPem(readFileSync(join(this.ws, "workload-owner.pem"), "utf8"));
    const listed = Object.keys(parseManifest(bytes).manifest.Policies);
    const sig = await signTransition(owner.privateKey, computeTransitionHash(bytes, c.latestTransition));
    return postJson(
      this.user,
      "/v1/manifest",
      {
        manifest: toBase64(bytes),
        policies: Object.values(this.docs)
          .filter((d) => listed.includes(d.digest))
          .map((d) => toBase64(d.bytes)),
        previousTransition: toHex(c.latestTransition),
        signature: toBase64(sig),
      },
      { trust: { kind: "pinned", certDer: c.certDer }, timeoutMs: 10_000 },
    );
  }

  /** An in-process Initializer for pod `pod` (its own initdata proven once), for mesh certificate requests. */
  async pod(
    pod = "web",
  ): Promise<{ config: ReturnType<typeof readInitializerConfig>; deps: InitializerDeps }> {
    const config = readInitializerConfig(
      { tee: "sim", simDir: this.sim, simInitdata: this.docs[pod]!.path, outDir: join(this.root, "pod") },
      { COORDINATOR_HOST: this.mesh, CONTRAST_CACHE_DIR: join(this.root, "cache") },
    );
    return {
      config,
      deps: await prepareInitializer(config, silentLogger, { verifier: createEvidenceVerifier() }),
    };
  }
}

/** Resident set size (KiB) and open file descriptors of a process, from /proc. */
export function processStats(pid: number): { rssKiB: number; fds: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { rssKiB, fds: readdirSync(`/proc/${pid}/fd`).length };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Prints a test's figures (`HARD <name> <json>`) and appends them to $CONTRAST_HARD_RESULTS when set, from which
 * bench/RESULTS.md's Hardening section is written.
 */
export function report(name: string, figures: Record<string, unknown>): void {
  const line = `HARD ${name} ${JSON.stringify(figures)}`;
  process.stdout.write(`${line}\n`);
  const file = process.env.CONTRAST_HARD_RESULTS;
  if (file) appendFileSync(file, `${line}\n`);
}

export { fromBase64 };
