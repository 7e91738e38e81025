// Security properties as tests against Coordinator processes (issue 15 §2), each as its attacker would try it:
// a replayed nonce, a report for another key, certificates from another Coordinator, an update signed by a removed
// owner key, a downgrade to an older manifest, a sim-chain report against a manifest without the sim ARK.
// (In-process versions from issue 10 stay in test/coordinator and test/e2e; these run against the real process.)

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import tls from "node:tls";
import { postJson } from "../../src/api/client.ts";
import { meshReportData } from "../../src/api/report-data.ts";
import { encodeEvidence } from "../../src/api/schema.ts";
import { fromBase64, toBase64, toHex } from "../../src/common/bytes.ts";
import { exportPublicKeySpki, generateEcKeyPair, importEcPrivateKeyPem } from "../../src/crypto/keys.ts";
import { computeTransitionHash, signTransition } from "../../src/crypto/transition.ts";
import { requestMeshCert } from "../../src/initializer/run.ts";
import { contrast, Deployment, report } from "./harness.ts";

let a: Deployment;
let b: Deployment;
const refused: Record<string, string> = {};
const trust = { kind: "unverified-until-attested" } as const;

/** A mesh certificate request for pod `web` of `d`: fresh nonce unless given, report bound to `bindKey` if given. */
async function certRequest(d: Deployment, opts: { nonce?: Uint8Array; bindKey?: Uint8Array } = {}) {
  const { deps } = await d.pod("web");
  const nonce =
    opts.nonce ??
    fromBase64(((await postJson(d.mesh, "/v1/mesh/nonce", {}, { trust })).body as { nonce: string }).nonce);
  const key = await generateEcKeyPair("P-256");
  const spki = await exportPublicKeySpki(key.publicKey);
  const evidence = await deps.issuer.issue(meshReportData(nonce, opts.bindKey ?? spki));
  const r = await postJson(
    d.mesh,
    "/v1/mesh/cert",
    { nonce: toBase64(nonce), publicKey: toBase64(spki), evidence: encodeEvidence(evidence) },
    { trust },
  );
  return { status: r.status, code: (r.body as { code?: string }).code, nonce, body: r.body };
}

function initializer(d: Deployment, coordinatorMesh: string, out: string) {
  return contrast(d.initializerArgs(out, "3s"), { COORDINATOR_HOST: coordinatorMesh });
}

beforeAll(async () => {
  [a, b] = await Promise.all([Deployment.running("security-a"), Deployment.running("security-b")]);
}, 180_000);

afterAll(async () => {
  await Promise.all([a?.dispose(), b?.dispose()]);
  report("security", refused);
});

describe("admission", () => {
  test("replayed nonce → the first request is admitted, the replay 403 invalid_nonce", async () => {
    const first = await certRequest(a);
    expect(first.status).toBe(200);
    const replay = await certRequest(a, { nonce: first.nonce });
    expect([replay.status, replay.code]).toEqual([403, "invalid_nonce"]);
    refused.replayedNonce = `${replay.status} ${replay.code}`;
  });

  test("report bound to another key than the one in the request → 403 attestation_failed", async () => {
    const other = await exportPublicKeySpki((await generateEcKeyPair("P-256")).publicKey);
    const r = await certRequest(a, { bindKey: other });
    expect([r.status, r.code]).toEqual([403, "attestation_failed"]);
    refused.reportForAnotherKey = `${r.status} ${r.code}`;
  });
});

describe("another deployment's Coordinator", () => {
  test("Initializer of A against B's genuine Coordinator → refused (exit 4/5), nothing written", async () => {
    const out = join(a.root, "pod-at-b");
    const r = await initializer(a, b.mesh, out);
    expect([4, 5]).toContain(r.code);
    expect(existsSync(out)).toBe(false);
    refused.initializerAtAnotherCoordinator = `exit ${r.code}`;
  }, 60_000);

  test("B's mesh certificate presented to a server trusting A's mesh CA → handshake refused", async () => {
    const dirs = { a: join(a.root, "pod-a"), b: join(b.root, "pod-b") };
    for (const [d, dir] of [
      [a, dirs.a],
      [b, dirs.b],
    ] as const) {
      const { config, deps } = await d.pod("web");
      await requestMeshCert({ ...config, outDir: dir }, deps);
    }
    const f = (dir: string, name: string) => readFileSync(join(dir, "tls-config", name), "utf8");
    const srv = tls.createServer({
      key: f(dirs.a, "key.pem"),
      cert: f(dirs.a, "certChain.pem"),
      ca: f(dirs.a, "mesh-ca.pem"),
      requestCert: true,
      rejectUnauthorized: true,
    });
    let accepted = 0;
    srv.on("secureConnection", (s) => {
      accepted++;
      s.end("hello");
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as { port: number }).port;
    const outcome = await new Promise<string>((resolve) => {
      const c = tls.connect({
        host: "127.0.0.1",
        port,
        key: f(dirs.b, "key.pem"),
        cert: f(dirs.b, "certChain.pem"),
        ca: f(dirs.a, "mesh-ca.pem"),
        servername: "web",
      });
      let data = "";
      c.on("data", (x) => {
        data += x;
      });
      c.on("error", (e) => resolve(`error ${e.message}`));
      c.on("close", () => resolve(data === "" ? "closed" : data));
    });
    srv.close();
    expect(accepted).toBe(0);
    expect(outcome).not.toBe("hello");
    refused.certificateFromAnotherCoordinator = outcome.slice(0, 60);
  }, 60_000);
});

describe("history", () => {
  test("update signed by an owner key that the current manifest removed → set exit 5 before sending; sent anyway → 403 invalid_signature", async () => {
    // v1 (owner K1) → v2 lists only K2, signed by K1 → v3 signed by K1 again must be refused.
    const k2 = join(a.ws, "owner-2.pem");
    const k2Hex = (await contrast(["keys", "new", "workload-owner", `-o=${k2}`])).stdout.trim();
    const v2 = JSON.parse(a.manifestText(1));
    v2.WorkloadOwnerPubKeys = [k2Hex];
    a.writeManifest(`${JSON.stringify(v2, null, 2)}\n`);
    expect((await a.cli("set")).code).toBe(0);
    const v3 = { ...v2, Policies: JSON.parse(a.manifestText(2)).Policies };
    a.writeManifest(`${JSON.stringify(v3, null, 2)}\n`);
    // The CLI refuses before sending (its key is not among the current owners) …
    const r = await a.cli("set");
    expect(r.code).toBe(5);
    expect(r.stderr).toContain("workload_owner_key_not_listed");
    // … and the Coordinator refuses the same update signed by the removed key when it is sent anyway.
    const c = await a.attest();
    const removed = await importEcPrivateKeyPem(readFileSync(join(a.ws, "workload-owner.pem"), "utf8"));
    const bytes = new TextEncoder().encode(`${JSON.stringify(v3, null, 2)}\n`);
    const sent = await postJson(
      a.user,
      "/v1/manifest",
      {
        manifest: toBase64(bytes),
        policies: [a.docs.coordinator!, a.docs.web!].map((d) => toBase64(d.bytes)),
        previousTransition: toHex(c.latestTransition),
        signature: toBase64(
          await signTransition(removed.privateKey, computeTransitionHash(bytes, c.latestTransition)),
        ),
      },
      { trust: { kind: "pinned", certDer: c.certDer } },
    );
    expect([sent.status, (sent.body as { code: string }).code]).toEqual([403, "invalid_signature"]);
    refused.updateByRemovedOwner = `cli exit ${r.code} workload_owner_key_not_listed; api ${sent.status} invalid_signature`;
    // The owner it lists now can (the history goes on from here).
    expect((await a.cli("set", [`--workload-owner-key=${k2}`])).code).toBe(0);
    copyFileSync(k2, join(a.ws, "workload-owner.pem"));
  }, 60_000);

  test("downgrade: an earlier signed set replayed → 409 manifest_conflict; an older latest copied back → recover exit 5", async () => {
    const c = await a.attest();
    const latestPath = join(a.stateDir, "history", "transitions", "latest");
    const olderLatest = readFileSync(latestPath);
    // A signed update captured on the wire, replayed after the history moved on.
    const owner = await importEcPrivateKeyPem(readFileSync(join(a.ws, "workload-owner.pem"), "utf8"));
    const v = JSON.parse(readFileSync(join(a.ws, "manifest.json"), "utf8"));
    const text = `${JSON.stringify({ ...v, Policies: JSON.parse(a.manifestText(3)).Policies }, null, 2)}\n`;
    const bytes = new TextEncoder().encode(text);
    const body = {
      manifest: toBase64(bytes),
      policies: [a.docs.coordinator!, a.docs.web!].map((d) => toBase64(d.bytes)),
      previousTransition: toHex(c.latestTransition),
      signature: toBase64(
        await signTransition(owner.privateKey, computeTransitionHash(bytes, c.latestTransition)),
      ),
    };
    const pin = { trust: { kind: "pinned", certDer: c.certDer } } as const;
    expect((await postJson(a.user, "/v1/manifest", body, pin)).status).toBe(200);
    const replay = await postJson(a.user, "/v1/manifest", body, pin);
    expect([replay.status, (replay.body as { code: string }).code]).toEqual([409, "manifest_conflict"]);
    refused.replayedSignedSet = `${replay.status} manifest_conflict`;
    a.writeManifest(text);
    await a.kill();
    writeFileSync(latestPath, olderLatest);
    await a.start();
    const r = await a.cli("recover");
    expect(r.code).toBe(5);
    expect(r.stderr).toContain("history_rollback");
    refused.olderLatestCopiedBack = `recover exit ${r.code} history_rollback`;
  }, 60_000);
});

describe("simulated TEE", () => {
  test("manifest without the sim ARK → a sim-chain pod report is refused 403 attestation_failed", async () => {
    const c = await b.attest();
    const m = JSON.parse(b.manifestText(1));
    for (const rv of m.ReferenceValues.snp) delete rv.SimulatedARK;
    const r = await b.setInProcess(c, `${JSON.stringify(m, null, 2)}\n`);
    expect(r.status).toBe(200);
    const admission = await certRequest(b);
    expect([admission.status, admission.code]).toEqual([403, "attestation_failed"]);
    refused.simReportWithoutSimArk = `${admission.status} ${admission.code}`;
    // And the CLI will not attest this Coordinator against that manifest either.
    b.writeManifest(`${JSON.stringify(m, null, 2)}\n`);
    const verify = await b.cli("verify");
    expect(verify.code).not.toBe(0);
  }, 60_000);
});
