// Crash consistency (issue 15 §2): SIGKILL the Coordinator process at a random moment while an owner-signed update
// and certificate requests are in flight, restart it, `recover` it with the CLI, and check after every iteration that
// it restarted, every acknowledged update is in the history, the history is one chain ending at the acknowledged
// manifest or a later one, the root CA and the workload secret are unchanged, and nothing half-written is left.
// CONTRAST_HARD_CRASH_ITERATIONS (default 100) and CONTRAST_HARD_SEED (default 15) make a run repeatable.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { registerRecover } from "../../src/cli/recover.ts";
import { fromHex, toHex } from "../../src/common/bytes.ts";
import { sha256 } from "../../src/common/digest.ts";
import { requestMeshCert } from "../../src/initializer/run.ts";
import { verifyOwnerChain } from "../../src/manifest/owner-chain.ts";
import { parseManifest } from "../../src/manifest/parse-manifest.ts";
import { runInProcess } from "../support/run-in-process.ts";
import { seededRandom } from "../support/seeded-random.ts";
import { Deployment, percentile, report } from "./harness.ts";

const ITERATIONS = Number(process.env.CONTRAST_HARD_CRASH_ITERATIONS ?? 100);
const SEED = Number(process.env.CONTRAST_HARD_SEED ?? 15);

let d: Deployment;
let rootCA = "";
let secret = "";

/** The workload secret an in-process Initializer of `web` receives now. */
async function workloadSecret(dir: string): Promise<string> {
  const { config, deps } = await d.pod("web");
  await requestMeshCert({ ...config, outDir: dir }, deps);
  const s = readFileSync(join(dir, "secrets", "workload-secret-seed"), "utf8");
  rmSync(dir, { recursive: true, force: true });
  return s;
}

/** Every file below the state dir's history, as `kind/name`. */
function storedFiles(): string[] {
  const h = join(d.stateDir, "history");
  return readdirSync(h, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(h.length + 1))
    .sort();
}

beforeAll(async () => {
  d = await Deployment.running("crash");
  rootCA = readFileSync(join(d.ws, "coordinator-root-ca.pem"), "utf8");
  secret = await workloadSecret(join(d.root, "pod-0"));
}, 120_000);

afterAll(async () => {
  await d?.dispose();
});

describe("SIGKILL during set and certificate issuance", () => {
  test(`${ITERATIONS} iterations (seed ${SEED}) → restarts, no acknowledged update lost, one chain, CA and secret unchanged, nothing half-written`, async () => {
    const rng = seededRandom(SEED);
    // Calibrate the kill window: how long an update takes end to end on this machine right now.
    const durations: number[] = [];
    const attempts: string[] = [new TextDecoder().decode(readFileSync(join(d.ws, "manifest.json")))];
    const acked = [attempts[0]!];
    for (let i = 0; i < 3; i++) {
      const text = d.manifestText(attempts.length);
      const t0 = performance.now();
      const res = await d.setInProcess(await d.attest(), text);
      durations.push(performance.now() - t0);
      expect(res.status).toBe(200);
      attempts.push(text);
      acked.push(text);
    }
    const window = Math.max(...durations) * 1.5;
    const outcome = { ackedBeforeKill: 0, persistedUnacked: 0, unackedNotPersisted: 0 };
    const restartMs: number[] = [];
    const recoverMs: number[] = [];
    const sweptFiles: number[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      const c = await d.attest();
      expect(c.phase).toBe("ready");
      const text = d.manifestText(attempts.length);
      attempts.push(text);
      const { config, deps } = await d.pod("web");
      const delay = rng() * window;
      let ack = false;
      const set = d.setInProcess(c, text).then(
        (r) => {
          ack = r.status === 200;
        },
        () => {},
      );
      const issuing = [0, 1].map((k) =>
        requestMeshCert({ ...config, outDir: join(d.root, `inflight-${i}-${k}`) }, deps).catch(() => {}),
      );
      await Bun.sleep(delay);
      await d.kill("SIGKILL");
      await Promise.all([set, ...issuing]);
      if (ack) acked.push(text);
      // Restart: the Coordinator must come up (a refused start fails here with its stderr).
      let t = performance.now();
      await d.start();
      restartMs.push(performance.now() - t);
      const swept = /"files":\[([^\]]*)\]/.exec(d.stderr)?.[1];
      sweptFiles.push(swept ? swept.split(",").length : 0);
      // The workspace keeps the last acknowledged manifest: recover must find it or a descendant.
      d.writeManifest(acked[acked.length - 1]!);
      t = performance.now();
      // The CLI's recover, in-process (the same code as the binary's, without a process start per iteration).
      const r = await runInProcess(registerRecover, ["recover", `-c=${d.user}`, `--workspace-dir=${d.ws}`]);
      process.exitCode = 0;
      recoverMs.push(performance.now() - t);
      if (r.code !== 0) throw new Error(`iteration ${i}: recover exited ${r.code}: ${r.stderr}`);
      const after = await d.attest();
      const history = after.manifests.map((m) => new TextDecoder().decode(m));
      // Every acknowledged update is in the history, in order; the history holds only attempted manifests.
      let at = 0;
      for (const a of acked) {
        at = history.indexOf(a, at);
        expect(at).toBeGreaterThanOrEqual(0);
      }
      expect(history.every((h) => attempts.includes(h))).toBe(true);
      // The newest is the acknowledged one or a later attempt.
      const newest = attempts.indexOf(history[history.length - 1]!);
      expect(newest).toBeGreaterThanOrEqual(attempts.indexOf(acked[acked.length - 1]!));
      if (ack) outcome.ackedBeforeKill++;
      else if (newest === attempts.length - 1) outcome.persistedUnacked++;
      else outcome.unackedNotPersisted++;
      // One chain, every link signed by an owner; on disk exactly that chain and nothing else.
      await verifyOwnerChain(after.manifests, after.signatures, [fromHex(d.ownerHex, "owner")]);
      const chain = await verifyOwnerChain(after.manifests, after.signatures, "unchecked");
      const expected = [
        "seed-shares.json",
        "transitions/latest",
        ...chain.transitions.flatMap((t) => [`transitions/${toHex(t)}`, `signatures/${toHex(t)}`]),
        ...after.manifests.map((m) => `manifests/${toHex(sha256(m))}`),
        ...[...new Set(after.manifests.flatMap((m) => Object.keys(parseManifest(m).manifest.Policies)))].map(
          (p) => `policies/${p}`,
        ),
      ];
      expect(storedFiles()).toEqual([...new Set(expected)].sort());
      expect(readdirSync(d.stateDir).filter((n) => n.endsWith(".tmp"))).toEqual([]);
      expect(existsSync(join(d.stateDir, "history", "pending"))).toBe(false);
      // Root CA byte-identical, workload secret unchanged.
      expect(after.rootCA).toBe(rootCA);
      expect(readFileSync(join(d.stateDir, "root-ca.pem"), "utf8")).toBe(rootCA);
      expect(await workloadSecret(join(d.root, `pod-${i + 1}`))).toBe(secret);
    }
    restartMs.sort((a, b) => a - b);
    recoverMs.sort((a, b) => a - b);
    report("crash", {
      iterations: ITERATIONS,
      seed: SEED,
      killWindowMs: Math.round(window),
      ...outcome,
      restarts: ITERATIONS,
      restartP50Ms: Math.round(percentile(restartMs, 50)),
      restartP99Ms: Math.round(percentile(restartMs, 99)),
      recoverP50Ms: Math.round(percentile(recoverMs, 50)),
      itersWithSweep: sweptFiles.filter((n) => n > 0).length,
      historyLength: (await d.attest()).manifests.length,
    });
    expect(outcome.unackedNotPersisted + outcome.ackedBeforeKill + outcome.persistedUnacked).toBe(ITERATIONS);
  }, 900_000);
});
