// An address that cannot be a Coordinator's user API fails at once with the likely mistake (issue 11 §7): a malformed
// address (exit 2), a port that does not speak TLS, a server without the route, a malformed answer (exit 6). Only a
// refused or reset connection and 503 are retried, with progress on stderr.

import { beforeAll, describe, expect, test } from "bun:test";
import type { JsonResponse } from "../../src/api/client.ts";
import { ApiError } from "../../src/api/errors.ts";
import { withRetry } from "../../src/cli/attest-coordinator.ts";
import { UnavailableError } from "../../src/common/errors.ts";
import { createSelfSignedServerCert } from "../../src/crypto/ca.ts";
import { exportEcPrivateKeyPkcs8Pem, generateEcKeyPair } from "../../src/crypto/keys.ts";
import { defaultRandom } from "../../src/crypto/random.ts";
import { SIM_TIMEOUT_MS } from "../attestation/sim/fixture.ts";
import { expectCode } from "../support/expect-error.ts";
import { runContrast } from "../support/run-in-process.ts";
import { createWorkspace, isolateCliProcess, type Workspace } from "./coordinator-fixture.ts";

let ws: Workspace;
let tls: { cert: string; key: string };
/** Stopped forcibly after the file (they hold connections open on purpose). */
const servers = isolateCliProcess<{ stop(): void }>();

/** A TLS server on loopback that answers every request with `answer`; returns HOST:PORT. */
function tlsServer(answer: (path: string) => Response): string {
  const s = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    tls,
    fetch: (req) => answer(new URL(req.url).pathname),
  });
  servers.push({ stop: () => s.stop(true) });
  return `127.0.0.1:${s.port}`;
}

beforeAll(async () => {
  ws = await createWorkspace();
  const key = await generateEcKeyPair("P-256");
  const cert = await createSelfSignedServerCert(key, { now: new Date(), random: defaultRandom });
  tls = { cert, key: await exportEcPrivateKeyPkcs8Pem(key) };
}, SIM_TIMEOUT_MS);

const verify = (endpoint: string, ...extra: string[]) =>
  runContrast(["verify", "-c", endpoint, "--workspace-dir", ws.dir, ...extra]);

describe("contrast verify -c ADDRESS", () => {
  const malformed: [string, string][] = [
    [":99999", "-c/--coordinator: expected HOST[:PORT] with a host name or address before the port"],
    ["10.0.0.5:99999", '-c/--coordinator: expected a port 1-65535, got "99999" in "10.0.0.5:99999"'],
    ["10.0.0.5:", '-c/--coordinator: expected a port 1-65535, got "" in "10.0.0.5:"'],
    ["https://10.0.0.5:1313", "-c/--coordinator: expected HOST[:PORT] without a scheme"],
    ["[10.0.0.5]:1313", "-c/--coordinator: expected an IPv6 address in brackets"],
  ];
  for (const [address, message] of malformed) {
    test(`${address} → exit 2 (invalid_endpoint) before any connection`, async () => {
      const r = await verify(address, "--json");
      expect(r.code).toBe(2);
      expect(r.stderr).toStartWith(`error: ${message}`);
      expect(r.stderr).toEndWith("(invalid_endpoint)\n");
      expect(JSON.parse(r.stdout)).toEqual({
        error: { code: "invalid_endpoint", message: expect.stringContaining(message), exitCode: 2 },
      });
    });
  }

  test("a plain-HTTP port → exit 6 at once (tls_protocol_error), naming the probe port", async () => {
    const plain = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("ok") });
    servers.push({ stop: () => plain.stop(true) });
    const r = await verify(`127.0.0.1:${plain.port}`);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain("the peer does not speak TLS there");
    expect(r.stderr).toContain("not a plain-HTTP port such as the probe port 9102? (tls_protocol_error)\n");
    expect(r.stderr).not.toContain("waiting for the coordinator");
  });

  test("a TLS server without the route (404, HTML body) → exit 6 at once (not_a_coordinator)", async () => {
    const endpoint = tlsServer(() => new Response("<h1>not found</h1>", { status: 404 }));
    const r = await verify(endpoint);
    expect(r.code).toBe(6);
    expect(r.stderr).toBe(
      `${"warning: this manifest trusts a simulated TEE (SimulatedARK): for development only, it proves nothing about hardware\n"}error: ${endpoint} answered 404 for POST /v1/attest: not the user API of a contrast coordinator (port 1313, -c HOST:1313) (not_a_coordinator)\n`,
    );
  });

  const answers: [string, unknown][] = [
    ["a field of the wrong type", { phase: "ready", manifests: "none" }],
    ["an unknown phase", { phase: "sleeping" }],
    ["an array", []],
  ];
  for (const [name, body] of answers) {
    test(`a malformed attest answer (${name}) → exit 6 (bad_response), not an internal error`, async () => {
      const endpoint = tlsServer(() => Response.json(body));
      const r = await verify(endpoint, "--json");
      expect(r.code).toBe(6);
      expect(JSON.parse(r.stdout).error).toMatchObject({ code: "bad_response", exitCode: 6 });
      expect(r.stderr).toMatch(/error: .*malformed|expected a JSON object/);
    });
  }

  test("an answer with an unknown error code → exit 6, the code printed once", async () => {
    const endpoint = tlsServer(() =>
      Response.json({ code: "teapot", message: "short and stout" }, { status: 418 }),
    );
    const r = await verify(endpoint);
    expect(r.code).toBe(6);
    expect(r.stderr).toEndWith("error: coordinator attest: short and stout (unknown)\n");
  });
});

describe("withRetry", () => {
  const ok: JsonResponse = { status: 200, body: {}, peerCertDer: new Uint8Array() };
  const run = async (failures: Error[]) => {
    let calls = 0;
    const slept: number[] = [];
    let stderr = "";
    const write = process.stderr.write;
    process.stderr.write = ((s: string) => {
      stderr += s;
      return true;
    }) as typeof process.stderr.write;
    try {
      const result = await withRetry(
        async () => {
          const f = failures[calls++];
          if (f) throw f;
          return ok;
        },
        { retryForMs: 60_000, sleep: async (ms) => void slept.push(ms) },
      );
      return { result, calls, slept, stderr };
    } finally {
      process.stderr.write = write;
    }
  };

  test("refused, reset, 503 → retried with progress on stderr, then the answer", async () => {
    const r = await run([
      new UnavailableError("connection_refused", "127.0.0.1:1313/v1/attest: connection refused"),
      new UnavailableError("connection_reset", "127.0.0.1:1313/v1/attest: connection closed by the peer"),
      new ApiError("unavailable", "coordinator attest: starting"),
    ]);
    expect(r.result).toBe(ok);
    expect(r.calls).toBe(4);
    expect(r.slept).toEqual([500, 1000, 2000]);
    expect(
      r.stderr.split("\n").filter((l) => l.startsWith("waiting for the coordinator (attempt ")).length,
    ).toBe(3);
    expect(r.stderr).toContain("connection refused");
  });

  const permanent: [string, Error][] = [
    ["tls_protocol_error", new UnavailableError("tls_protocol_error", "x")],
    ["wrong_api_port", new UnavailableError("wrong_api_port", "x")],
    ["connection_failed", new UnavailableError("connection_failed", "x: getaddrinfo ENOTFOUND")],
    ["bad_response", new UnavailableError("bad_response", "x")],
    ["needs_recovery", new ApiError("needs_recovery", "x")],
  ];
  for (const [code, error] of permanent) {
    test(`${code} (${error instanceof ApiError ? error.status : "no answer"}) → thrown at once, no retry`, async () => {
      let calls = 0;
      await expectCode(
        () =>
          withRetry(
            async () => {
              calls++;
              throw error;
            },
            { retryForMs: 60_000, sleep: async () => {} },
          ),
        error.constructor as typeof UnavailableError,
        (error as UnavailableError).code,
      );
      expect(calls).toBe(1);
    });
  }
});
