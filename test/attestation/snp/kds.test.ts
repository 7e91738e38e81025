import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { X509Crl } from "@peculiar/x509";
import { cacheKey, createCollateralCache } from "../../../src/attestation/collateral-cache.ts";
import {
  buildVcekUrl,
  createKdsClient,
  type KdsProduct,
  type KdsTcb,
} from "../../../src/attestation/snp/kds.ts";
import { ParseError, UnavailableError } from "../../../src/common/errors.ts";
import { expectCode } from "../../support/expect-error.ts";
import {
  type CollateralServer,
  readChipIdAndTcb,
  readTestdata,
  startCollateralServer,
  TURIN_VCEK,
  VCEK_VECTORS,
} from "../fixtures/collateral-server.ts";

let server: CollateralServer;
let tmpRoot: string;
let cacheDir: string;
beforeAll(() => {
  server = startCollateralServer();
  tmpRoot = mkdtempSync(join(tmpdir(), "kds-test-"));
});
afterAll(() => {
  server.stop();
  rmSync(tmpRoot, { recursive: true, force: true });
});
beforeEach(() => {
  server.faults.clear();
  server.requests.length = 0;
  cacheDir = mkdtempSync(join(tmpRoot, "cache-"));
});

const client = (extra: Parameters<typeof createKdsClient>[0] = {}) =>
  createKdsClient({ baseUrl: server.url, retries: 0, retryDelayMs: 1, timeoutMs: 2000, ...extra });

const gosev = () => readChipIdAndTcb(readTestdata("snp/milan_v2_gosevguest_report.bin"));
const gosevPath = () => {
  const { chipId, tcb } = gosev();
  return new URL(buildVcekUrl(server.url, "Milan", chipId, tcb)).pathname;
};

/** Splits a PEM bundle into DER blobs, independently of the code under test. */
function pemBlocks(file: string): Uint8Array[] {
  const text = new TextDecoder().decode(readTestdata(file));
  return [...text.matchAll(/-----BEGIN CERTIFICATE-----([^-]+)-----END CERTIFICATE-----/g)].map(
    (m) => new Uint8Array(Buffer.from(m[1]!.replace(/\s/g, ""), "base64")),
  );
}

describe("buildVcekUrl", () => {
  test("gosevguest report chip id and reported tcb → the url go-sev-guest uses", () => {
    const { chipId, tcb } = gosev();
    const url = buildVcekUrl("https://kdsintf.amd.com/", "Milan", chipId, tcb);
    expect(url.startsWith("https://kdsintf.amd.com/vcek/v1/Milan/3ac3fe21")).toBe(true);
    expect(url.endsWith("6b5d?blSPL=2&teeSPL=0&snpSPL=5&ucodeSPL=68")).toBe(true);
    expect(new URL(url).pathname.split("/")[4]).toMatch(/^[0-9a-f]{128}$/);
  });

  test("turin chip id and tcb → 16-hex hwid and fmcSPL first", () => {
    const chipId = new Uint8Array(64);
    chipId.set(Buffer.from(TURIN_VCEK.hwid8, "hex"));
    expect(buildVcekUrl("https://k", "Turin", chipId, TURIN_VCEK.tcb)).toBe(
      "https://k/vcek/v1/Turin/1e550a8ee5cf9f4d?fmcSPL=0&blSPL=0&teeSPL=0&snpSPL=0&ucodeSPL=9",
    );
  });

  const chip = new Uint8Array(64).fill(7);
  const turinChip = new Uint8Array(64);
  turinChip.set([1, 2, 3, 4, 5, 6, 7, 8]);
  const tcb: KdsTcb = { bootloader: 3, tee: 0, snp: 8, microcode: 115 };
  const rows: [string, KdsProduct, Uint8Array, KdsTcb, string][] = [
    ["chip id of 63 bytes", "Milan", chip.subarray(1), tcb, "invalid_length"],
    ["spl 256", "Milan", chip, { ...tcb, microcode: 256 }, "invalid_tcb"],
    ["spl -1", "Milan", chip, { ...tcb, tee: -1 }, "invalid_tcb"],
    ["spl 1.5", "Milan", chip, { ...tcb, snp: 1.5 }, "invalid_tcb"],
    ["fmc on a milan tcb (turin layout)", "Milan", chip, { ...tcb, fmc: 1 }, "invalid_tcb"],
    ["turin without fmc", "Turin", turinChip, tcb, "invalid_tcb"],
    ["turin chip id with bytes past 8", "Turin", chip, { ...tcb, fmc: 1 }, "invalid_chip_id"],
    ["unknown product", "Venice" as KdsProduct, chip, tcb, "invalid_product"],
  ];
  for (const [name, product, chipId, t, code] of rows) {
    test(`${name} → ParseError ${code}`, () => {
      expect(() => buildVcekUrl("https://k", product, chipId, t)).toThrow(ParseError);
      expect(() => buildVcekUrl("https://k", product, chipId, t)).toThrow(expect.objectContaining({ code }));
    });
  }
  test("baseline of the table → accepted", () => {
    expect(buildVcekUrl("https://k", "Milan", chip, tcb)).toContain(
      "?blSPL=3&teeSPL=0&snpSPL=8&ucodeSPL=115",
    );
    expect(rows.length).toBe(8);
  });
});

describe("getVcek", () => {
  test("every report's chip id and tcb → its VCEK from the server", async () => {
    const kds = client();
    let ran = 0;
    for (const v of VCEK_VECTORS) {
      const { chipId, tcb } = readChipIdAndTcb(readTestdata(v.report));
      expect(await kds.getVcek(v.product, chipId, tcb)).toEqual(readTestdata(v.vcek));
      ran++;
    }
    const turinChip = new Uint8Array(64);
    turinChip.set(Buffer.from(TURIN_VCEK.hwid8, "hex"));
    expect(await kds.getVcek("Turin", turinChip, TURIN_VCEK.tcb)).toEqual(readTestdata(TURIN_VCEK.vcek));
    ran++;
    expect(ran).toBe(5);
  });

  test("second call with a cache → no request, also from a new client on the same dir", async () => {
    const { chipId, tcb } = gosev();
    const cache = createCollateralCache(cacheDir);
    const first = await client({ cache }).getVcek("Milan", chipId, tcb);
    expect(await client({ cache }).getVcek("Milan", chipId, tcb)).toEqual(first);
    const reopened = createCollateralCache(cacheDir);
    expect(await client({ cache: reopened, baseUrl: server.url }).getVcek("Milan", chipId, tcb)).toEqual(
      first,
    );
    expect(server.hits(gosevPath())).toBe(1);
  });

  test("vcek is immutable → served from cache even years later and with the server down", async () => {
    const { chipId, tcb } = gosev();
    const cache = createCollateralCache(cacheDir);
    await client({ cache }).getVcek("Milan", chipId, tcb);
    server.faults.set(gosevPath(), { kind: "status", status: 500 });
    const later = () => new Date(Date.now() + 10 * 365 * 86400_000);
    expect(await client({ cache, now: later }).getVcek("Milan", chipId, tcb)).toEqual(
      readTestdata("snp/milan_v2_gosevguest_vcek.der"),
    );
    expect(server.hits(gosevPath())).toBe(1);
  });

  test("corrupt cache file → ignored, refetched and rewritten", async () => {
    const { chipId, tcb } = gosev();
    const cache = createCollateralCache(cacheDir);
    await client({ cache }).getVcek("Milan", chipId, tcb);
    const url = buildVcekUrl(server.url, "Milan", chipId, tcb);
    writeFileSync(join(cacheDir, cacheKey(url)), "contrast-collateral-cache v1\n{}\ngarbage");
    expect(await client({ cache }).getVcek("Milan", chipId, tcb)).toEqual(
      readTestdata("snp/milan_v2_gosevguest_vcek.der"),
    );
    expect(server.hits(gosevPath())).toBe(2);
    expect(cache.read(url)?.body).toEqual(readTestdata("snp/milan_v2_gosevguest_vcek.der"));
  });

  test("unknown chip → UnavailableError collateral_not_found, not retried", async () => {
    const chipId = new Uint8Array(64).fill(0xab);
    const tcb = { bootloader: 1, tee: 0, snp: 1, microcode: 1 };
    await expectCode(
      client({ retries: 3 }).getVcek("Milan", chipId, tcb),
      UnavailableError,
      "collateral_not_found",
    );
    expect(server.requests.length).toBe(1);
  });

  test("http 500 → collateral_unavailable after 1 + retries attempts", async () => {
    const { chipId, tcb } = gosev();
    server.faults.set(gosevPath(), { kind: "status", status: 500 });
    await expectCode(
      client({ retries: 2 }).getVcek("Milan", chipId, tcb),
      UnavailableError,
      "collateral_unavailable",
    );
    expect(server.hits(gosevPath())).toBe(3);
  });

  test("one 503 then success → retried, returns the VCEK", async () => {
    const { chipId, tcb } = gosev();
    server.faults.set(gosevPath(), { kind: "status", status: 503, times: 1 });
    expect(await client({ retries: 1 }).getVcek("Milan", chipId, tcb)).toEqual(
      readTestdata("snp/milan_v2_gosevguest_vcek.der"),
    );
    expect(server.hits(gosevPath())).toBe(2);
  });

  for (const kind of ["hang", "hang-body"] as const) {
    test(`server that never answers (${kind}) → collateral_unavailable within the timeout`, async () => {
      const { chipId, tcb } = gosev();
      server.faults.set(gosevPath(), { kind });
      const start = performance.now();
      await expectCode(
        client({ timeoutMs: 300, retries: 3 }).getVcek("Milan", chipId, tcb),
        UnavailableError,
        "collateral_unavailable",
      );
      expect(performance.now() - start).toBeLessThan(1500);
    });
  }

  for (const chunked of [false, true]) {
    test(`oversize response (${chunked ? "streamed" : "content-length"}) → collateral_unavailable, not cached`, async () => {
      const { chipId, tcb } = gosev();
      const cache = createCollateralCache(cacheDir);
      server.faults.set(gosevPath(), { kind: "body", body: new Uint8Array(200_000), chunked });
      const kds = client({ cache, maxResponseBytes: 64 * 1024 });
      await expectCode(kds.getVcek("Milan", chipId, tcb), UnavailableError, "collateral_unavailable");
      expect(readdirSync(cacheDir)).toEqual([]);
    });
  }

  test("html error page with status 200 → collateral_unavailable, not cached", async () => {
    const { chipId, tcb } = gosev();
    const cache = createCollateralCache(cacheDir);
    server.faults.set(gosevPath(), { kind: "body", body: "<html>maintenance</html>" });
    await expectCode(
      client({ cache }).getVcek("Milan", chipId, tcb),
      UnavailableError,
      "collateral_unavailable",
    );
    expect(readdirSync(cacheDir)).toEqual([]);
  });

  test("connection refused → collateral_unavailable", async () => {
    const { chipId, tcb } = gosev();
    const dead = startCollateralServer();
    dead.stop();
    await expectCode(
      client({ baseUrl: dead.url }).getVcek("Milan", chipId, tcb),
      UnavailableError,
      "collateral_unavailable",
    );
  });
});

describe("getCertChain", () => {
  test("each product and kind → intermediate then ark, byte-equal to the PEM blocks", async () => {
    const kds = client();
    let ran = 0;
    for (const product of ["Milan", "Genoa", "Turin"] as const) {
      for (const kind of ["vcek", "vlek"] as const) {
        const [inter, ark] = pemBlocks(`amd/${product.toLowerCase()}_${kind}_cert_chain.pem`);
        expect(await kds.getCertChain(product, kind)).toEqual({ intermediate: inter!, ark: ark! });
        expect(server.requests.at(-1)).toBe(`/${kind}/v1/${product}/cert_chain`);
        ran++;
      }
    }
    expect(ran).toBe(6);
  });

  test("ark first (wrong order) → collateral_unavailable", async () => {
    const [inter, ark] = pemBlocks("amd/milan_vcek_cert_chain.pem");
    const pem = (d: Uint8Array) =>
      `-----BEGIN CERTIFICATE-----\n${Buffer.from(d).toString("base64")}\n-----END CERTIFICATE-----\n`;
    server.faults.set("/vcek/v1/Milan/cert_chain", { kind: "body", body: pem(ark!) + pem(inter!) });
    await expectCode(client().getCertChain("Milan", "vcek"), UnavailableError, "collateral_unavailable");
  });

  test("only one certificate → collateral_unavailable", async () => {
    const text = new TextDecoder().decode(readTestdata("amd/milan_vcek_cert_chain.pem"));
    server.faults.set("/vcek/v1/Milan/cert_chain", {
      kind: "body",
      body: text.slice(0, text.indexOf("-----END")),
    });
    await expectCode(client().getCertChain("Milan", "vcek"), UnavailableError, "collateral_unavailable");
  });

  test("unknown kind → ParseError invalid_key_kind before any request", async () => {
    await expect(client().getCertChain("Milan", "ask" as "vcek")).rejects.toThrow(
      expect.objectContaining({ code: "invalid_key_kind" }),
    );
    expect(server.requests.length).toBe(0);
  });
});

describe("getCrl", () => {
  const crlPath = "/vcek/v1/Milan/crl";
  // Inside the stand-in CRL's window (2023-04-03 … 2024-04-02): a cached CRL is never served past nextUpdate.
  const t0 = new Date("2023-06-01T00:00:00Z");
  const at = (ms: number) => () => new Date(t0.getTime() + ms);

  test("within max age but past the crl's nextUpdate → refetched", async () => {
    const cache = createCollateralCache(cacheDir);
    const next = new X509Crl(readTestdata("tdx/rootcacrl_2023.der")).nextUpdate!.getTime();
    const near = (ms: number) => () => new Date(next + ms);
    await client({ cache, now: near(-3_600_000) }).getCrl("Milan", "vcek");
    await client({ cache, now: near(-60_000) }).getCrl("Milan", "vcek");
    expect(server.hits(crlPath)).toBe(1);
    await client({ cache, now: near(3_600_000) }).getCrl("Milan", "vcek");
    expect(server.hits(crlPath)).toBe(2);
  });

  test("fresh within max age → cached; past max age → refetched", async () => {
    const cache = createCollateralCache(cacheDir);
    const crl = await client({ cache, now: at(0), crlMaxAgeMs: 60_000 }).getCrl("Milan", "vcek");
    expect(crl).toEqual(readTestdata("tdx/rootcacrl_2023.der"));
    await client({ cache, now: at(59_000), crlMaxAgeMs: 60_000 }).getCrl("Milan", "vcek");
    expect(server.hits(crlPath)).toBe(1);
    await client({ cache, now: at(61_000), crlMaxAgeMs: 60_000 }).getCrl("Milan", "vcek");
    expect(server.hits(crlPath)).toBe(2);
  });

  test("past max age and server failing → stale entry served", async () => {
    const cache = createCollateralCache(cacheDir);
    await client({ cache, now: at(0), crlMaxAgeMs: 1000 }).getCrl("Milan", "vcek");
    server.faults.set(crlPath, { kind: "status", status: 502 });
    expect(await client({ cache, now: at(5000), crlMaxAgeMs: 1000 }).getCrl("Milan", "vcek")).toEqual(
      readTestdata("tdx/rootcacrl_2023.der"),
    );
    expect(server.hits(crlPath)).toBe(2);
  });

  test("server failing and nothing cached → collateral_unavailable", async () => {
    server.faults.set("/vlek/v1/Genoa/crl", { kind: "status", status: 502 });
    const cache = createCollateralCache(cacheDir);
    await expectCode(client({ cache }).getCrl("Genoa", "vlek"), UnavailableError, "collateral_unavailable");
  });

  test("crl followed by trailing bytes → collateral_unavailable", async () => {
    const crl = readTestdata("tdx/rootcacrl_2023.der");
    server.faults.set(crlPath, { kind: "body", body: new Uint8Array([...crl, 0]) });
    await expectCode(client().getCrl("Milan", "vcek"), UnavailableError, "collateral_unavailable");
  });
});
