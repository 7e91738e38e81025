// End to end on the sim TEE with real processes over HTTPS on loopback (issue B acceptance):
// sim init → Coordinator → set → Initializers → verify → openssl → mTLS → kill -9 → recover → update → verify.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import tls from "node:tls";
import { postJson } from "../../src/api/client.ts";
import { toBase64, toHex } from "../../src/common/bytes.ts";
import {
  type CoordinatorPorts,
  contrast,
  freePort,
  policyDocument,
  simCoordinatorArgs,
  spawnContrast,
  tempDir,
  waitForHttp,
} from "../support/harness.ts";

const root = tempDir("e2e");
const sim = join(root, "sim");
const ws = join(root, "ws");
const policies = join(ws, "policies");
const state = join(root, "state");
let ports: CoordinatorPorts;
let coordinator: ReturnType<typeof spawnContrast> | undefined;
const docs: Record<string, ReturnType<typeof policyDocument>> = {};
let manifestText = "";
let strangerHex = "";

async function startCoordinator(stateDir: string, p = ports): Promise<ReturnType<typeof spawnContrast>> {
  const proc = spawnContrast(
    simCoordinatorArgs({ simDir: sim, hostData: docs.coordinator!.digest, stateDir, ports: p }),
    { CONTRAST_LOG_LEVEL: "warn" },
  );
  await waitForHttp(`http://127.0.0.1:${p.probe}/probe/startup`);
  return proc;
}

function initializer(doc: string, outDir: string, extra: string[] = [], mesh = ports.mesh) {
  return contrast(
    [
      "initializer",
      "--tee=sim",
      `--sim-dir=${sim}`,
      `--sim-initdata=${docs[doc]!.path}`,
      `--out-dir=${outDir}`,
      ...extra,
    ],
    { env: { COORDINATOR_HOST: `127.0.0.1:${mesh}` } },
  );
}

interface TlsFiles {
  key: string;
  cert: string;
  ca: string;
}

function tlsFiles(podDir: string): TlsFiles {
  const t = (f: string) => readFileSync(join(podDir, "tls-config", f), "utf8");
  return { key: t("key.pem"), cert: t("certChain.pem"), ca: t("mesh-ca.pem") };
}

/** A TLS server requiring client certs from the server's mesh CA; returns "ok" or the failure. */
async function mtls(server: TlsFiles, client: TlsFiles): Promise<string> {
  const srv = tls.createServer(
    { key: server.key, cert: server.cert, ca: server.ca, requestCert: true, rejectUnauthorized: true },
    (s) => s.end("ok"),
  );
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  try {
    return await new Promise<string>((resolve) => {
      const c = tls.connect(
        { host: "127.0.0.1", port, key: client.key, cert: client.cert, ca: client.ca, servername: "web" },
        () => {},
      );
      let data = "";
      c.on("data", (d) => {
        data += d;
      });
      c.on("end", () => resolve(data || "closed"));
      c.on("error", (e) => resolve(`error: ${e.message}`));
    });
  } finally {
    srv.close();
  }
}

const readiness = async () => (await fetch(`http://127.0.0.1:${ports.probe}/probe/readiness`)).status;

beforeAll(async () => {
  expect((await contrast(["sim", "init", `--dir=${sim}`])).code).toBe(0);
  const owner = await contrast(["keys", "new", "workload-owner", `-o=${join(ws, "workload-owner.pem")}`]);
  const seedOwner = await contrast([
    "keys",
    "new",
    "seedshare-owner",
    `-o=${join(ws, "seedshare-owner.pem")}`,
  ]);
  expect(owner.code).toBe(0);
  expect(seedOwner.code).toBe(0);
  const stranger = await contrast(["keys", "new", "workload-owner", `-o=${join(root, "stranger.pem")}`]);
  expect(stranger.code).toBe(0);
  docs.coordinator = policyDocument(policies, "coordinator");
  // As generate writes them: pods with an Initializer pin the Coordinator's policy and the deployment's owner key.
  const pin = { coordinatorPolicies: [docs.coordinator.digest], deploymentKeys: [owner.stdout.trim()] };
  for (const name of ["web", "db"]) docs[name] = policyDocument(policies, name, pin);
  // The rogue pod's document exists but is not in the manifest (nor in the policy dir `set` reads).
  docs.rogue = policyDocument(tempDir("rogue"), "rogue", pin);
  // A pod of another deployment (another owner) whose Coordinator runs the same policy.
  strangerHex = stranger.stdout.trim();
  const foreignPin = { coordinatorPolicies: [docs.coordinator.digest], deploymentKeys: [strangerHex] };
  docs.foreign = policyDocument(join(root, "ws-other", "policies"), "db", foreignPin);
  const referenceValues = JSON.parse(readFileSync(join(sim, "reference-values.json"), "utf8"));
  const manifest = {
    Policies: {
      [docs.coordinator!.digest]: { SANs: ["coordinator"], Role: "coordinator" },
      [docs.web!.digest]: {
        SANs: ["web", "*", "127.0.0.1"],
        WorkloadSecretID: "apps/v1/Deployment/default/web",
      },
      [docs.db!.digest]: {
        SANs: ["db", "*", "127.0.0.1"],
        WorkloadSecretID: "apps/v1/StatefulSet/default/db",
      },
    },
    ReferenceValues: referenceValues,
    WorkloadOwnerPubKeys: [owner.stdout.trim()],
    SeedshareOwnerPubKeys: [seedOwner.stdout.trim()],
  };
  manifestText = `${JSON.stringify(manifest, null, 2)}\n`;
  writeFileSync(join(ws, "manifest.json"), manifestText);
  ports = { user: await freePort(), mesh: await freePort(), probe: await freePort() };
  coordinator = await startCoordinator(state);
}, 120_000);

afterAll(() => {
  coordinator?.kill(9);
});

describe("sim deployment end to end", () => {
  test("uninitialized coordinator → not ready; set → manifest installed, CA files and seed shares written", async () => {
    expect(await readiness()).toBe(503);
    const r = await contrast(["set", `-c=127.0.0.1:${ports.user}`, `--workspace-dir=${ws}`]);
    expect(r.stderr).toContain("simulated TEE");
    expect(r.code).toBe(0);
    for (const f of ["coordinator-root-ca.pem", "mesh-ca.pem", "seed-shares.json"])
      expect(existsSync(join(ws, f))).toBe(true);
    expect(await readiness()).toBe(200);
  }, 60_000);

  test("initializer with a policy in the manifest → certificate, key and workload secret written", async () => {
    const out = join(root, "pod-web");
    const r = await initializer("web", out, ["--timeout=20s"]);
    expect(r.code).toBe(0);
    for (const f of ["mesh-ca.pem", "certChain.pem", "key.pem", "coordinator-root-ca.pem"]) {
      expect(existsSync(join(out, "tls-config", f))).toBe(true);
    }
    expect(readFileSync(join(out, "secrets/workload-secret-seed"), "utf8")).toMatch(/^[0-9a-f]{128}$/);
    expect(readFileSync(join(out, "tls-config/coordinator-root-ca.pem"), "utf8")).toBe(
      readFileSync(join(ws, "coordinator-root-ca.pem"), "utf8"),
    );
  }, 60_000);

  test("initializer whose policy is not in the manifest → refused (exit 5), writes nothing", async () => {
    const out = join(root, "pod-rogue");
    const r = await initializer("rogue", out, ["--timeout=2s"]);
    expect(r.code).toBe(5);
    expect(existsSync(out)).toBe(false);
  }, 60_000);

  test("verify → history written, newest manifest byte-identical to the local one", async () => {
    const r = await contrast(["verify", `-c=127.0.0.1:${ports.user}`, `--workspace-dir=${ws}`]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(ws, "verify/manifest.0.json"), "utf8")).toBe(manifestText);
    expect(existsSync(join(ws, `verify/initdata.${docs.web!.digest}.toml`))).toBe(true);
  }, 60_000);

  test("issued chain verifies with openssl against mesh-ca.pem and against coordinator-root-ca.pem", async () => {
    const tls = join(root, "pod-web/tls-config");
    const chain = readFileSync(join(tls, "certChain.pem"), "utf8");
    const [leaf, intermediate] = chain.split(/(?<=-----END CERTIFICATE-----\n)/);
    writeFileSync(join(root, "leaf.pem"), leaf!);
    writeFileSync(join(root, "intermediate.pem"), intermediate!);
    const leafPem = join(root, "leaf.pem");
    /** `openssl verify` of the leaf against CA file `ca` (with the intermediate when `untrusted`): its exit code. */
    const opensslVerify = (ca: string, ...untrusted: string[]) =>
      Bun.spawnSync(["openssl", "verify", "-CAfile", join(ws, ca), ...untrusted, leafPem]).exitCode;
    expect(opensslVerify("mesh-ca.pem")).toBe(0);
    expect(opensslVerify("coordinator-root-ca.pem", "-untrusted", join(root, "intermediate.pem"))).toBe(0);
    expect(opensslVerify("coordinator-root-ca.pem")).not.toBe(0);
    // SANs from the manifest, client+server EKU, the report's claims and the workload secret ID as extensions.
    const text = Bun.spawnSync(["openssl", "x509", "-noout", "-text", "-in", leafPem]).stdout.toString();
    expect(text).toContain("DNS:web");
    expect(text).toContain("IP Address:127.0.0.1");
    expect(text).toContain("TLS Web Server Authentication");
    expect(text).toContain("TLS Web Client Authentication");
    expect(text).toContain("1.3.9901.3.1:"); // WorkloadSecretID
    expect(text).toContain("1.3.9901.2.1.23:"); // HOST_DATA claim
    expect(text).toContain("apps/v1/Deployment/default/web");
  });

  test("two issued workload certs complete an mTLS handshake; another owner's Coordinator is refused; its certs are not trusted", async () => {
    expect((await initializer("db", join(root, "pod-db"), ["--timeout=20s"])).code).toBe(0);
    const other = { user: await freePort(), mesh: await freePort(), probe: await freePort() };
    const otherCoordinator = await startCoordinator(join(root, "state-other"), other);
    try {
      // Another deployment: same Coordinator policy and reference values, another workload owner.
      const otherWs = join(root, "ws-other");
      const m = JSON.parse(manifestText);
      m.Policies = {
        [docs.coordinator!.digest]: m.Policies[docs.coordinator!.digest],
        [docs.foreign!.digest]: { SANs: ["db", "*", "127.0.0.1"], WorkloadSecretID: "db" },
      };
      m.WorkloadOwnerPubKeys = [strangerHex];
      writeFileSync(join(otherWs, "manifest.json"), `${JSON.stringify(m, null, 2)}\n`);
      writeFileSync(join(otherWs, "policies", `${docs.coordinator!.digest}.toml`), docs.coordinator!.bytes);
      Bun.spawnSync(["cp", join(root, "stranger.pem"), join(otherWs, "workload-owner.pem")]);
      Bun.spawnSync(["cp", join(ws, "seedshare-owner.pem"), join(otherWs, "seedshare-owner.pem")]);
      const set = await contrast(["set", `-c=127.0.0.1:${other.user}`, `--workspace-dir=${otherWs}`]);
      expect(set.code).toBe(0);
      const refused = await initializer("db", join(root, "pod-db-elsewhere"), ["--timeout=20s"], other.mesh);
      expect(refused.stderr).toContain("history_not_this_deployment");
      expect(refused.code).toBe(4);
      expect(existsSync(join(root, "pod-db-elsewhere"))).toBe(false);
      const foreign = await initializer("foreign", join(root, "pod-foreign"), ["--timeout=20s"], other.mesh);
      expect(foreign.code).toBe(0);
    } finally {
      otherCoordinator.kill(9);
    }
    const server = tlsFiles(join(root, "pod-web"));
    expect(await mtls(server, tlsFiles(join(root, "pod-db")))).toBe("ok");
    expect(await mtls(server, tlsFiles(join(root, "pod-foreign")))).not.toBe("ok");
  }, 120_000);

  test("restart after kill -9 → recovery mode, initializers refused until recover; then same root CA and secret", async () => {
    const rootBefore = readFileSync(join(ws, "coordinator-root-ca.pem"), "utf8");
    const secretBefore = readFileSync(join(root, "pod-web/secrets/workload-secret-seed"), "utf8");
    coordinator!.kill(9);
    await coordinator!.exited;
    coordinator = await startCoordinator(state);
    expect(await readiness()).toBe(503);
    const refused = await initializer("web", join(root, "pod-web-2"), ["--timeout=2s"]);
    expect(refused.code).not.toBe(0);
    expect(existsSync(join(root, "pod-web-2"))).toBe(false);
    const rec = await contrast(["recover", `-c=127.0.0.1:${ports.user}`, `--workspace-dir=${ws}`]);
    expect(rec.stderr + rec.stdout).toContain("recovered");
    expect(rec.code).toBe(0);
    expect(await readiness()).toBe(200);
    const again = await initializer("web", join(root, "pod-web-3"), ["--timeout=20s"]);
    expect(again.code).toBe(0);
    expect(readFileSync(join(root, "pod-web-3/tls-config/coordinator-root-ca.pem"), "utf8")).toBe(rootBefore);
    expect(readFileSync(join(root, "pod-web-3/secrets/workload-secret-seed"), "utf8")).toBe(secretBefore);
    const twice = await contrast(["recover", `-c=127.0.0.1:${ports.user}`, `--workspace-dir=${ws}`]);
    expect(twice.code).toBe(5); // already_recovered
  }, 120_000);

  test("signed update accepted; unsigned or wrongly signed update refused; verify shows two manifests", async () => {
    const m = JSON.parse(manifestText);
    m.Policies[docs.web!.digest].SANs = ["web", "*", "127.0.0.1", "web.default.svc"];
    const updated = `${JSON.stringify(m, null, 2)}\n`;
    const bytes = new TextEncoder().encode(updated);
    // Unsigned and badly signed updates, straight at the API (test only: no attestation needed to be refused).
    const history = await contrast(["verify", `-c=127.0.0.1:${ports.user}`, `--workspace-dir=${ws}`]);
    expect(history.code).toBe(0);
    const prev = readFileSync(join(ws, "verify/latest-transition"), "utf8").trim();
    const body = {
      manifest: toBase64(bytes),
      policies: [docs.coordinator!, docs.web!, docs.db!].map((d) => toBase64(d.bytes)),
      previousTransition: prev,
    };
    const trust = { kind: "unverified-until-attested" } as const;
    const unsigned = await postJson(`127.0.0.1:${ports.user}`, "/v1/manifest", body, { trust });
    expect(unsigned.status).toBe(403);
    expect((unsigned.body as { code: string }).code).toBe("invalid_signature");
    const bogus = await postJson(
      `127.0.0.1:${ports.user}`,
      "/v1/manifest",
      { ...body, signature: toBase64(new Uint8Array(70)) },
      { trust },
    );
    expect((bogus.body as { code: string }).code).toBe("invalid_signature");
    const other = await contrast(["keys", "new", "workload-owner", `-o=${join(root, "other-owner.pem")}`]);
    expect(other.code).toBe(0);
    writeFileSync(join(ws, "manifest.json"), updated);
    const wrongKey = await contrast([
      "set",
      `-c=127.0.0.1:${ports.user}`,
      `--workspace-dir=${ws}`,
      `--workload-owner-key=${join(root, "other-owner.pem")}`,
    ]);
    expect(wrongKey.code).toBe(5);
    const ok = await contrast(["set", `-c=127.0.0.1:${ports.user}`, `--workspace-dir=${ws}`]);
    expect(ok.code).toBe(0);
    const v = await contrast(["verify", `-c=127.0.0.1:${ports.user}`, `--workspace-dir=${ws}`]);
    expect(v.code).toBe(0);
    expect(readFileSync(join(ws, "verify/manifest.0.json"), "utf8")).toBe(manifestText);
    expect(readFileSync(join(ws, "verify/manifest.1.json"), "utf8")).toBe(updated);
    expect(toHex(new TextEncoder().encode("x"))).toBe("78");
  }, 120_000);

  test("verify against a different local manifest → exit 5", async () => {
    writeFileSync(join(ws, "other.json"), manifestText);
    const r = await contrast([
      "verify",
      `-c=127.0.0.1:${ports.user}`,
      `--workspace-dir=${ws}`,
      `-m=${join(ws, "other.json")}`,
    ]);
    expect(r.code).toBe(5);
  }, 60_000);
});
