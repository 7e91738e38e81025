// The Initializer in a pod without the mesh sidecar (CONTRAST_SERVICE_MESH_DISABLED=true) lifts the guest's
// default-deny rule before it contacts the Coordinator; without the env it never touches netfilter. iptables is a
// recording CommandRunner sharing one event log with a plain-HTTP "Coordinator", so the order is visible.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createSimIssuer } from "../../src/attestation/sim-issuer.ts";
import { toHex } from "../../src/common/bytes.ts";
import { ConfigError, UnavailableError, UsageError } from "../../src/common/errors.ts";
import { silentLogger } from "../../src/common/log.ts";
import { exportPublicKeySpki, generateEcKeyPair } from "../../src/crypto/keys.ts";
import { readInitializerConfig } from "../../src/initializer/config.ts";
import { run } from "../../src/initializer/run.ts";
import { initializerContainer } from "../../src/kube/inject-initializer.ts";
import { createEvidenceVerifier } from "../../src/manifest/verify-evidence.ts";
import type { CommandRunner } from "../../src/netfilter/command.ts";
import { createTestSim, SIM_TIMEOUT_MS } from "../attestation/sim/fixture.ts";
import { expectCode } from "../support/expect-error.ts";
import { policyDocument, tempDir } from "../support/harness.ts";

const RULE = "-m conntrack ! --ctstate ESTABLISHED,RELATED -j DROP";
const CHECK = `iptables -w 5 -t filter -C INPUT ${RULE}`;
const DELETE = `iptables -w 5 -t filter -D INPUT ${RULE}`;
const CONTACTED = "coordinator contacted";

const dir = tempDir("initializer-dd");
let sim: Awaited<ReturnType<typeof createTestSim>>;
let doc: ReturnType<typeof policyDocument>;
let events: string[] = [];
// Not the mesh API: a plain-HTTP answer on TCP connect, so the Initializer fails at once (tls_protocol_error)
// after the one contact this test needs to see.
const coordinator = Bun.listen({
  hostname: "127.0.0.1",
  port: 0,
  socket: {
    open(socket) {
      events.push(CONTACTED);
      socket.end("HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n");
    },
    data() {},
  },
});

/** A guest's filter INPUT chain holding the default-deny rule once; `fail` makes every command exit 4. */
function iptables(opts: { fail?: boolean } = {}): CommandRunner {
  let copies = 1;
  return async (argv) => {
    events.push(argv.join(" "));
    if (opts.fail) return { code: 4, stderr: "iptables: permission denied (you must be root)" };
    if (argv.includes("-C")) return { code: copies > 0 ? 0 : 1, stderr: "" };
    if (argv.includes("-D")) copies--;
    return { code: 0, stderr: "" };
  };
}

async function initialize(
  env: Record<string, string>,
  netfilter: { runCommand: CommandRunner; hasNetAdmin: () => boolean },
) {
  events = [];
  const config = readInitializerConfig(
    { tee: "sim", simDir: sim.dir, simInitdata: doc.path, outDir: join(dir, "out"), timeout: "2s" },
    { COORDINATOR_HOST: `127.0.0.1:${coordinator.port}`, ...env },
  );
  const issuer = await createSimIssuer(sim.dir, new Uint8Array(Buffer.from(doc.digest, "hex")));
  return run(config, silentLogger, { issuer, verifier: createEvidenceVerifier(), netfilter });
}

beforeAll(async () => {
  sim = await createTestSim();
  doc = policyDocument(join(dir, "policies"), "no mesh", {
    coordinatorPolicies: ["ab".repeat(32)],
    deploymentKeys: [toHex(await exportPublicKeySpki((await generateEcKeyPair("P-384")).publicKey))],
  });
}, SIM_TIMEOUT_MS);

afterAll(() => coordinator.stop(true));

describe("run (default-deny rule)", () => {
  test("CONTRAST_SERVICE_MESH_DISABLED=true → rule checked, deleted, checked again, then the Coordinator contacted", async () => {
    await expectCode(
      () =>
        initialize(
          { CONTRAST_SERVICE_MESH_DISABLED: "true" },
          { runCommand: iptables(), hasNetAdmin: () => true },
        ),
      UnavailableError,
      "tls_protocol_error",
    );
    expect(events).toEqual([CHECK, DELETE, CHECK, CONTACTED]);
  });

  test("env unset or false → netfilter never touched, capability never asked", async () => {
    const envs: Record<string, string>[] = [{}, { CONTRAST_SERVICE_MESH_DISABLED: "false" }];
    for (const env of envs) {
      let asked = false;
      const hasNetAdmin = () => {
        asked = true;
        return true;
      };
      await expectCode(
        () => initialize(env, { runCommand: iptables(), hasNetAdmin }),
        UnavailableError,
        "tls_protocol_error",
      );
      expect(events).toEqual([CONTACTED]);
      expect(asked).toBe(false);
    }
  });

  test("env set without CAP_NET_ADMIN → ConfigError net_admin_missing, no iptables, Coordinator never contacted", async () => {
    const e = await expectCode(
      () =>
        initialize(
          { CONTRAST_SERVICE_MESH_DISABLED: "true" },
          { runCommand: iptables(), hasNetAdmin: () => false },
        ),
      ConfigError,
      "net_admin_missing",
    );
    expect(e.message).toContain("CONTRAST_SERVICE_MESH_DISABLED=true: expected CAP_NET_ADMIN");
    expect(events).toEqual([]);
  });

  test("env set, iptables failing → UnavailableError netfilter_failed with its message, Coordinator never contacted", async () => {
    const e = await expectCode(
      () =>
        initialize(
          { CONTRAST_SERVICE_MESH_DISABLED: "true" },
          { runCommand: iptables({ fail: true }), hasNetAdmin: () => true },
        ),
      UnavailableError,
      "netfilter_failed",
    );
    expect(e.message).toContain("got 4: iptables: permission denied");
    expect(events).toEqual([CHECK]);
  });
});

describe("readInitializerConfig (CONTRAST_SERVICE_MESH_DISABLED)", () => {
  const read = (v?: string) =>
    readInitializerConfig({ tee: "snp" }, v === undefined ? {} : { CONTRAST_SERVICE_MESH_DISABLED: v })
      .removeDefaultDeny;

  test("true → remove; unset, empty, false → leave netfilter alone", () => {
    expect([read("true"), read(undefined), read(""), read("false")]).toEqual([true, false, false, false]);
  });

  test("any other value → UsageError invalid_flag naming the variable (never guessed)", () => {
    for (const v of ["1", "yes", "TRUE"]) {
      const e = (() => {
        try {
          read(v);
        } catch (err) {
          return err;
        }
      })();
      expect(e).toBeInstanceOf(UsageError);
      expect((e as UsageError).code).toBe("invalid_flag");
      expect((e as UsageError).message).toStartWith("CONTRAST_SERVICE_MESH_DISABLED: expected true or false");
    }
  });

  test("the env generate injects into a pod without the sidecar → turns the removal on", () => {
    const c = initializerContainer({ image: "i:1", withoutServiceMesh: true }) as {
      env: { name: string; value: string }[];
    };
    const env = Object.fromEntries(c.env.map((e) => [e.name, e.value]));
    expect(readInitializerConfig({ tee: "snp" }, env).removeDefaultDeny).toBe(true);
  });
});
