import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCollateralCache } from "../../../src/attestation/collateral-cache.ts";
import { createPcsClient } from "../../../src/attestation/tdx/pcs.ts";
import { ParseError, UnavailableError } from "../../../src/common/errors.ts";
import { expectCode } from "../../support/expect-error.ts";
import {
  type CollateralServer,
  encodedChain,
  readTestdata,
  startCollateralServer,
} from "../fixtures/collateral-server.ts";

let api: CollateralServer;
let certs: CollateralServer;
let tmpRoot: string;
let cacheDir: string;
beforeAll(() => {
  api = startCollateralServer();
  certs = startCollateralServer();
  tmpRoot = mkdtempSync(join(tmpdir(), "pcs-test-"));
});
afterAll(() => {
  api.stop();
  certs.stop();
  rmSync(tmpRoot, { recursive: true, force: true });
});
beforeEach(() => {
  for (const s of [api, certs]) {
    s.faults.clear();
    s.requests.length = 0;
  }
  cacheDir = mkdtempSync(join(tmpRoot, "cache-"));
});

const client = (extra: Parameters<typeof createPcsClient>[0] = {}) =>
  createPcsClient({ baseUrl: api.url, certsBaseUrl: certs.url, retries: 0, timeoutMs: 2000, ...extra });
const text = (file: string) => new TextDecoder().decode(readTestdata(file));
const TCB_PATH = "/tdx/certification/v4/tcb";

describe("getTdxTcbInfo", () => {
  const vectors = [
    ["50806f000000", "tdx/tcbinfo_tdx_fmspc50806f000000_2023.json", "tdx/tcb_signing_issuer_chain.pem"],
    [
      "90C06F000000",
      "tdx/tcbinfo_tdx_fmspc90c06f000000_2026.json",
      "tdx/tcb_signing_issuer_chain_reissued.pem",
    ],
  ] as const;

  test("each fmspc → exact body bytes and the url-decoded issuer chain header", async () => {
    let ran = 0;
    for (const [fmspc, body, chain] of vectors) {
      const r = await client().getTdxTcbInfo(fmspc);
      expect(r.body).toEqual(readTestdata(body));
      expect(r.issuerChain).toBe(text(chain));
      expect(api.requests.at(-1)).toBe(`${TCB_PATH}?fmspc=${fmspc.toLowerCase()}`);
      ran++;
    }
    expect(ran).toBe(2);
  });

  test("update=early → query parameter appended", async () => {
    await client().getTdxTcbInfo("50806f000000", { update: "early" });
    expect(api.requests.at(-1)).toBe(`${TCB_PATH}?fmspc=50806f000000&update=early`);
  });

  for (const [fmspc, code] of [
    ["50806f00000g", "invalid_hex"],
    ["50806f", "invalid_length"],
  ] as const) {
    test(`fmspc ${JSON.stringify(fmspc)} → ParseError ${code}, no request`, async () => {
      await expect(client().getTdxTcbInfo(fmspc)).rejects.toThrow(ParseError);
      await expect(client().getTdxTcbInfo(fmspc)).rejects.toThrow(expect.objectContaining({ code }));
      expect(api.requests.length).toBe(0);
    });
  }

  test("unknown fmspc → collateral_not_found", async () => {
    await expectCode(client().getTdxTcbInfo("00806f050000"), UnavailableError, "collateral_not_found");
  });

  test("cached → second call makes no request", async () => {
    const cache = createCollateralCache(cacheDir);
    const first = await client({ cache }).getTdxTcbInfo("50806f000000");
    expect(await client({ cache }).getTdxTcbInfo("50806f000000")).toEqual(first);
    expect(api.hits(TCB_PATH)).toBe(1);
  });

  test("past max age and server down → stale body with its stored issuer chain", async () => {
    const cache = createCollateralCache(cacheDir);
    const t0 = Date.parse("2026-02-01T00:00:00Z");
    await client({ cache, now: () => new Date(t0), maxAgeMs: 1000 }).getTdxTcbInfo("90c06f000000");
    api.faults.set(TCB_PATH, { kind: "hang" });
    const r = await client({
      cache,
      now: () => new Date(t0 + 5000),
      maxAgeMs: 1000,
      timeoutMs: 200,
    }).getTdxTcbInfo("90c06f000000");
    expect(r.body).toEqual(readTestdata("tdx/tcbinfo_tdx_fmspc90c06f000000_2026.json"));
    expect(r.issuerChain).toBe(text("tdx/tcb_signing_issuer_chain_reissued.pem"));
    expect(api.hits(TCB_PATH)).toBe(2);
  });

  const chain = encodedChain("tdx/tcb_signing_issuer_chain.pem");
  const body2023 = readTestdata("tdx/tcbinfo_tdx_fmspc50806f000000_2023.json");
  const malformed: [string, Uint8Array | string, Record<string, string>][] = [
    ["missing issuer chain header", body2023, {}],
    ["header with broken escapes", body2023, { "TCB-Info-Issuer-Chain": "%E0%A4%A" }],
    ["header without certificates", body2023, { "TCB-Info-Issuer-Chain": "hello" }],
    ["body not json", "<html/>", { "TCB-Info-Issuer-Chain": chain }],
    ["body without tcbInfo", '{"signature":"00"}', { "TCB-Info-Issuer-Chain": chain }],
    ["body without signature", '{"tcbInfo":{"fmspc":"50806F000000"}}', { "TCB-Info-Issuer-Chain": chain }],
    [
      "tcb info for another fmspc",
      readTestdata("tdx/tcbinfo_tdx_fmspc90c06f000000_2026.json"),
      { "TCB-Info-Issuer-Chain": chain },
    ],
  ];
  for (const [name, body, headers] of malformed) {
    test(`${name} → collateral_unavailable, not cached`, async () => {
      const cache = createCollateralCache(cacheDir);
      api.faults.set(TCB_PATH, { kind: "body", body, headers });
      await expectCode(
        client({ cache }).getTdxTcbInfo("50806f000000"),
        UnavailableError,
        "collateral_unavailable",
      );
      api.faults.clear();
      await client({ cache }).getTdxTcbInfo("50806f000000");
      expect(api.hits(TCB_PATH)).toBe(2);
    });
  }

  test("baseline of the malformed table (same body and header via the fault path) → accepted", async () => {
    api.faults.set(TCB_PATH, { kind: "body", body: body2023, headers: { "TCB-Info-Issuer-Chain": chain } });
    expect((await client().getTdxTcbInfo("50806f000000")).body).toEqual(body2023);
    expect(malformed.length).toBe(7);
  });

  test("server never answers → collateral_unavailable within the timeout", async () => {
    api.faults.set(TCB_PATH, { kind: "hang" });
    const start = performance.now();
    await expectCode(
      client({ timeoutMs: 250 }).getTdxTcbInfo("50806f000000"),
      UnavailableError,
      "collateral_unavailable",
    );
    expect(performance.now() - start).toBeLessThan(1500);
  });
});

describe("getTdxQeIdentity", () => {
  test("→ exact body and the SGX-Enclave-Identity-Issuer-Chain header decoded", async () => {
    const r = await client().getTdxQeIdentity();
    expect(r.body).toEqual(readTestdata("tdx/qeidentity_tdqe_2023.json"));
    expect(r.issuerChain).toBe(text("tdx/tcb_signing_issuer_chain.pem"));
    expect(api.requests).toEqual(["/tdx/certification/v4/qe/identity"]);
  });

  test("body is tcb info (no enclaveIdentity) → collateral_unavailable", async () => {
    api.faults.set("/tdx/certification/v4/qe/identity", {
      kind: "body",
      body: readTestdata("tdx/tcbinfo_tdx_fmspc50806f000000_2023.json"),
      headers: { "SGX-Enclave-Identity-Issuer-Chain": encodedChain("tdx/tcb_signing_issuer_chain.pem") },
    });
    await expectCode(client().getTdxQeIdentity(), UnavailableError, "collateral_unavailable");
  });
});

describe("getPckCrl", () => {
  test("platform → der crl and its issuer chain, requested with encoding=der", async () => {
    const r = await client().getPckCrl("platform");
    expect(r.crl).toEqual(readTestdata("tdx/pckcrl_platform_2023.der"));
    expect(r.issuerChain).toBe(text("tdx/pckcrl_issuer_chain.pem"));
    expect(api.requests).toEqual(["/sgx/certification/v4/pckcrl?ca=platform&encoding=der"]);
  });

  test("processor (not served here) → collateral_not_found", async () => {
    await expectCode(client().getPckCrl("processor"), UnavailableError, "collateral_not_found");
  });

  test("unknown ca → ParseError invalid_pck_ca", async () => {
    await expect(client().getPckCrl("root" as "platform")).rejects.toThrow(
      expect.objectContaining({ code: "invalid_pck_ca" }),
    );
  });

  test("pem instead of der → collateral_unavailable", async () => {
    api.faults.set("/sgx/certification/v4/pckcrl", {
      kind: "body",
      body: "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n",
      headers: { "SGX-PCK-CRL-Issuer-Chain": encodedChain("tdx/pckcrl_issuer_chain.pem") },
    });
    await expectCode(client().getPckCrl("platform"), UnavailableError, "collateral_unavailable");
  });
});

describe("getRootCaCrl", () => {
  test("→ the root CA CRL from the certificates host, not the api host", async () => {
    expect(await client().getRootCaCrl()).toEqual(readTestdata("tdx/rootcacrl_2023.der"));
    expect(certs.requests).toEqual(["/IntelSGXRootCA.der"]);
    expect(api.requests).toEqual([]);
  });

  test("500 with retries → collateral_unavailable after 1 + retries attempts", async () => {
    certs.faults.set("/IntelSGXRootCA.der", { kind: "status", status: 500 });
    await expectCode(
      client({ retries: 2, retryDelayMs: 1 }).getRootCaCrl(),
      UnavailableError,
      "collateral_unavailable",
    );
    expect(certs.hits("/IntelSGXRootCA.der")).toBe(3);
  });
});
