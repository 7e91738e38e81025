// `contrast set`, `verify` and `recover` against a sim Coordinator in this process (issue 11 §7): the default port,
// a key the Coordinator will not accept named before anything is sent, error codes printed once, `--json` with one
// object on stdout also on failure, and the mesh API's port named when it is given instead of the user API's.

import { beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readUserCommandConfig } from "../../src/cli/user-commands.ts";
import { runVerify } from "../../src/cli/verify.ts";
import { toHex } from "../../src/common/bytes.ts";
import { VerificationError } from "../../src/common/errors.ts";
import { silentLogger } from "../../src/common/log.ts";
import type { RunningCoordinator } from "../../src/coordinator/server.ts";
import { exportEcPrivateKeySec1Pem, exportPublicKeySpki, generateEcKeyPair } from "../../src/crypto/keys.ts";
import { SIM_TIMEOUT_MS } from "../attestation/sim/fixture.ts";
import { expectCode } from "../support/expect-error.ts";
import { runContrast } from "../support/run-in-process.ts";
import {
  createWorkspace,
  isolateCliProcess,
  startSimCoordinator,
  type Workspace,
} from "./coordinator-fixture.ts";

let ws: Workspace;
let coordinator: RunningCoordinator & { stateDir: string };
/** A loopback address of its own, so the Coordinator can listen on the default port 1313 there. */
const host = `127.${13 + Math.floor(Math.random() * 200)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
const running = isolateCliProcess<RunningCoordinator>();

const json = (stdout: string) => JSON.parse(stdout) as Record<string, unknown>;
const inWs = (...args: string[]) => [...args, "--workspace-dir", ws.dir];

beforeAll(async () => {
  ws = await createWorkspace();
  coordinator = await startSimCoordinator(ws, { userApiAddr: `${host}:1313` });
  running.push(coordinator);
}, SIM_TIMEOUT_MS);

describe("contrast set / verify / recover", () => {
  test("set -c HOST without a port --json → the user API's port 1313; one JSON object describing the set", async () => {
    const r = await runContrast(inWs("set", "-c", host, "--json"));
    expect(r.code).toBe(0);
    const out = json(r.stdout);
    expect(out).toMatchObject({
      coordinator: `${host}:1313`,
      manifests: 1,
      firstManifest: true,
      seedShares: join(ws.dir, "seed-shares.json"),
    });
    expect(out.error).toBeUndefined();
    expect(existsSync(join(ws.dir, "mesh-ca.pem"))).toBe(true);
  }, 60_000);

  test("verify --json → one object: the history matches the local manifest", async () => {
    const r = await runContrast(inWs("verify", "-c", host, "--json"));
    expect(r.code).toBe(0);
    expect(json(r.stdout)).toMatchObject({ manifests: 1, matchesLocalManifest: true });
  }, 60_000);

  test("update signed by a key not in WorkloadOwnerPubKeys → exit 5 naming the key and --workload-owner-key, nothing set", async () => {
    const stranger = await generateEcKeyPair("P-384");
    const path = join(ws.dir, "stranger.pem");
    writeFileSync(path, await exportEcPrivateKeySec1Pem(stranger));
    const strangerHex = toHex(await exportPublicKeySpki(stranger.publicKey));
    ws.writeManifest((m) => {
      m.WorkloadOwnerPubKeys = [ws.ownerHex, strangerHex];
    });
    const r = await runContrast(inWs("set", "-c", host, "--workload-owner-key", path));
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(`--workload-owner-key ${path}: its public key …${strangerHex.slice(-16)}`);
    expect(r.stderr).toContain(
      `not among the 1 WorkloadOwnerPubKeys of the coordinator's current manifest (…${ws.ownerHex.slice(-16)})`,
    );
    expect(r.stderr).toContain("contrast set --workload-owner-key FILE (workload_owner_key_not_listed)\n");
    expect(coordinator.state.snapshot().manifests.length).toBe(1);
  }, 60_000);

  test("update the Coordinator refuses → its message with the code printed once, exit 5", async () => {
    ws.writeManifest((m) => {
      m.SeedshareOwnerPubKeys = [];
    });
    const r = await runContrast(inWs("set", "-c", host));
    expect(r.code).toBe(5);
    expect(r.stderr).toContain(
      "error: set manifest: SeedshareOwnerPubKeys: may not change in an update (seedshare_owners_changed)\n",
    );
    expect(r.stderr.split("seedshare_owners_changed").length).toBe(2);
    ws.writeManifest();
  }, 60_000);

  test("-c naming the mesh API → exit 6 at once: this looks like the mesh API port", async () => {
    const r = await runContrast(inWs("verify", "-c", coordinator.meshApi, "--json"));
    expect(r.code).toBe(6);
    const { error } = json(r.stdout) as { error: Record<string, unknown> };
    expect(error).toMatchObject({ code: "wrong_api_port", exitCode: 6 });
    expect(String(error.message)).toContain(
      "serves the coordinator's mesh API: this looks like the mesh API port 7777; the user API is 1313 (-c HOST:1313)",
    );
    expect(r.stderr).not.toContain("waiting for the coordinator");
  }, 60_000);

  test("recover --json on a Coordinator that is not in recovery → one object with the error, exit 5", async () => {
    const r = await runContrast(inWs("recover", "-c", host, "--json"));
    expect(r.code).toBe(5);
    expect(json(r.stdout)).toMatchObject({
      coordinator: `${host}:1313`,
      error: { code: "already_recovered", exitCode: 5 },
    });
  }, 60_000);

  test("restarted Coordinator → recover --json unlocks it: one object, recovered", async () => {
    await coordinator.stop();
    const restarted = await startSimCoordinator(ws, { stateDir: coordinator.stateDir });
    running.push(restarted);
    const r = await runContrast(inWs("recover", "-c", restarted.userApi, "--json"));
    expect(r.code).toBe(0);
    const out = json(r.stdout);
    expect(out).toMatchObject({ manifests: 1, recovered: true });
    expect(String(out.lineage)).toContain("the coordinator's newest manifest is");
    expect(restarted.state.phase).toBe("ready");
    expect(readFileSync(join(ws.dir, "manifest.json"), "utf8")).toContain(ws.coordinatorPolicy);
  }, 60_000);
});

describe("runVerify (config and deps, no process)", () => {
  test("a verifier that refuses the Coordinator's evidence → its error, and nothing written to verify/", async () => {
    const refusing = {
      verify: () =>
        Promise.reject(new VerificationError("snp_bad_signature", "report: signature does not verify")),
    };
    const said: string[] = [];
    const out = { set: () => {}, print: () => {} };
    const latest = running.at(-1) as RunningCoordinator; // the restarted one, after the tests above
    const config = readUserCommandConfig({ coordinator: latest.userApi, workspaceDir: ws.dir });
    const dir = config.workspaceFile("verify");
    const before = existsSync(dir) ? readdirSync(dir).sort() : undefined;
    await expectCode(
      () => runVerify(config, { verifier: refusing, log: silentLogger, stderr: (t) => said.push(t) }, out),
      VerificationError,
      "snp_bad_signature",
    );
    expect(existsSync(dir) ? readdirSync(dir).sort() : undefined).toEqual(before);
  }, 60_000);
});
