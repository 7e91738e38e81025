// configfs-tsm issuer on a simulated configfs (see fixtures/fake-configfs.ts for what only real hardware exercises).
import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseSnpCertTable, pickSnpCerts, SNP_CERT_GUIDS } from "../../src/attestation/snp/cert-table.ts";
import { createTsmClient, detectTsmProvider, nodeTsmFs } from "../../src/attestation/tsm.ts";
import { ConfigError, ParseError, UnavailableError } from "../../src/common/errors.ts";
import { readTestdata } from "./fixtures/collateral-server.ts";
import { bumpGeneration, createFakeConfigfs, type FakeConfigfsOptions } from "./fixtures/fake-configfs.ts";

const tmpRoot = mkdtempSync(join(tmpdir(), "tsm-test-"));
afterAll(() => rmSync(tmpRoot, { recursive: true, force: true }));
let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpRoot, "report-"));
});

const snpReport = readTestdata("snp/milan_v2_gosevguest_report.bin");
const snpReportData = snpReport.slice(0x50, 0x90);
const tdxQuote = readTestdata("tdx/quote_v5_gotdxguest.dat");
const vcek = readTestdata("snp/milan_v2_gosevguest_vcek.der");

/** The "firmware": the real report with REPORT_DATA (0x50) replaced by the inblob. */
function snpGenerate(inblob: Uint8Array): Uint8Array {
  const r = snpReport.slice();
  r.set(inblob, 0x50);
  return r;
}

/** A one-entry certificate table holding the VCEK, padded like the kernel's page-sized buffer. */
function vcekTable(): Uint8Array {
  const t = new Uint8Array(4096);
  t.set(Buffer.from(SNP_CERT_GUIDS.vcek.replace(/-/g, ""), "hex"), 0);
  new DataView(t.buffer).setUint32(16, 48, true);
  new DataView(t.buffer).setUint32(20, vcek.length, true);
  t.set(vcek, 48);
  return t;
}

const sev = (extra: Partial<FakeConfigfsOptions> = {}) =>
  createFakeConfigfs(root, { provider: "sev_guest", generate: snpGenerate, auxblob: vcekTable(), ...extra });

async function rejection(p: Promise<unknown>): Promise<{ cls: unknown; code: string }> {
  try {
    await p;
  } catch (e) {
    return { cls: (e as object).constructor, code: (e as { code: string }).code };
  }
  throw new Error("expected a rejection");
}

describe("getReport", () => {
  test("sev_guest with the report's own REPORT_DATA → the real report byte-exact, cert table, entry removed", async () => {
    const fake = sev();
    const r = await createTsmClient({ root, fs: fake.fs }).getReport(snpReportData);
    expect(r.provider).toBe("sev_guest");
    expect(r.outblob).toEqual(snpReport);
    expect(pickSnpCerts(parseSnpCertTable(r.auxblob!))).toEqual({ vcek });
    expect(r.generation).toBe(1);
    expect(fake.writes).toEqual([`inblob=${Buffer.from(snpReportData).toString("hex")}`]);
    expect(fake.created.length).toBe(1);
    expect(fake.present()).toEqual([]);
  });

  test("fresh nonce → outblob carries it at REPORT_DATA", async () => {
    const nonce = crypto.getRandomValues(new Uint8Array(64));
    const r = await createTsmClient({ root, fs: sev().fs }).getReport(nonce);
    expect(r.outblob.slice(0x50, 0x90)).toEqual(nonce);
  });

  test("tdx_guest without auxblob attribute → quote, auxblob undefined", async () => {
    const fake = createFakeConfigfs(root, { provider: "tdx_guest", generate: () => tdxQuote });
    const r = await createTsmClient({ root, fs: fake.fs }).getReport(new Uint8Array(64));
    expect(r).toEqual({ provider: "tdx_guest", outblob: tdxQuote, generation: 1 });
    expect(fake.present()).toEqual([]);
  });

  test("empty auxblob (host gave no certificates) → auxblob undefined", async () => {
    const r = await createTsmClient({ root, fs: sev({ auxblob: new Uint8Array(0) }).fs }).getReport(
      snpReportData,
    );
    expect(r.auxblob).toBeUndefined();
  });

  test("privlevel 2 → written before inblob, both bump generation", async () => {
    const fake = sev();
    const r = await createTsmClient({ root, fs: fake.fs }).getReport(snpReportData, { privlevel: 2 });
    expect(fake.writes[0]).toBe("privlevel=2\n");
    expect(fake.writes[1]?.startsWith("inblob=")).toBe(true);
    expect(r.generation).toBe(2);
  });

  test("another writer bumps generation while outblob is read → UnavailableError tsm_race, entry removed", async () => {
    const fake = sev({ beforeRead: (attr, dir) => attr === "outblob" && bumpGeneration(dir) });
    const err = await rejection(createTsmClient({ root, fs: fake.fs }).getReport(snpReportData));
    expect(err).toEqual({ cls: UnavailableError, code: "tsm_race" });
    expect(fake.present()).toEqual([]);
  });

  test("outblob read fails with EIO (host refused) → tsm_unavailable, entry removed", async () => {
    const fake = sev({ failRead: { attr: "outblob", code: "EIO" } });
    const err = await rejection(createTsmClient({ root, fs: fake.fs }).getReport(snpReportData));
    expect(err).toEqual({ cls: UnavailableError, code: "tsm_unavailable" });
    expect(fake.present()).toEqual([]);
  });

  test("outblob empty → tsm_unavailable", async () => {
    const fake = sev({ generate: () => new Uint8Array(0) });
    expect(await rejection(createTsmClient({ root, fs: fake.fs }).getReport(snpReportData))).toEqual({
      cls: UnavailableError,
      code: "tsm_unavailable",
    });
  });

  test("generation not a number → ParseError invalid_tsm_attribute", async () => {
    const fake = sev({
      beforeRead: (attr, dir) => attr === "generation" && writeFileSync(join(dir, attr), "x\n"),
    });
    expect(await rejection(createTsmClient({ root, fs: fake.fs }).getReport(snpReportData))).toEqual({
      cls: ParseError,
      code: "invalid_tsm_attribute",
    });
  });

  test("privlevel below privlevel_floor → ConfigError invalid_privlevel, nothing written, entry removed", async () => {
    const fake = sev({ privlevelFloor: 1 });
    const err = await rejection(
      createTsmClient({ root, fs: fake.fs }).getReport(snpReportData, { privlevel: 0 }),
    );
    expect(err).toEqual({ cls: ConfigError, code: "invalid_privlevel" });
    expect(fake.writes).toEqual([]);
    expect(fake.present()).toEqual([]);
  });

  const rows: [string, Uint8Array, number | undefined, unknown, string][] = [
    ["inblob of 63 bytes", new Uint8Array(63), undefined, ParseError, "invalid_length"],
    ["inblob of 65 bytes", new Uint8Array(65), undefined, ParseError, "invalid_length"],
    ["privlevel 4", new Uint8Array(64), 4, ConfigError, "invalid_privlevel"],
    ["privlevel 1.5", new Uint8Array(64), 1.5, ConfigError, "invalid_privlevel"],
  ];
  for (const [name, inblob, privlevel, cls, code] of rows) {
    test(`${name} → ${(cls as { name: string }).name} ${code}, no entry created`, async () => {
      const fake = sev();
      const p = createTsmClient({ root, fs: fake.fs }).getReport(
        inblob,
        privlevel === undefined ? {} : { privlevel },
      );
      expect(await rejection(p)).toEqual({ cls, code });
      expect(fake.created).toEqual([]);
    });
  }
  test("baseline of the table (64 bytes, privlevel 3) → accepted", async () => {
    await createTsmClient({ root, fs: sev().fs }).getReport(new Uint8Array(64), { privlevel: 3 });
    expect(rows.length).toBe(4);
  });

  test("missing root → UnavailableError tsm_unavailable", async () => {
    const err = await rejection(
      createTsmClient({ root: join(root, "absent") }).getReport(new Uint8Array(64)),
    );
    expect(err).toEqual({ cls: UnavailableError, code: "tsm_unavailable" });
  });

  test("entry name with a slash → ConfigError invalid_tsm_entry", async () => {
    const err = await rejection(
      createTsmClient({ root, fs: sev().fs, entryName: () => "../x" }).getReport(new Uint8Array(64)),
    );
    expect(err).toEqual({ cls: ConfigError, code: "invalid_tsm_entry" });
  });

  test("8 concurrent requests → 8 distinct entries, each report has its own nonce", async () => {
    const fake = sev();
    const client = createTsmClient({ root, fs: fake.fs });
    const nonces = Array.from({ length: 8 }, (_, i) => new Uint8Array(64).fill(i + 1));
    const reports = await Promise.all(nonces.map((n) => client.getReport(n)));
    reports.forEach((r, i) => {
      expect(r.outblob.slice(0x50, 0x90)).toEqual(nonces[i]!);
    });
    expect(new Set(fake.created).size).toBe(8);
    expect(fake.present()).toEqual([]);
  });
});

describe("detectTsmProvider", () => {
  test("tdx_guest configfs → 'tdx_guest', entry removed", async () => {
    const fake = createFakeConfigfs(root, { provider: "tdx_guest", generate: () => tdxQuote });
    expect(await detectTsmProvider({ root, fs: fake.fs })).toBe("tdx_guest");
    expect(fake.present()).toEqual([]);
  });

  test("sev_guest configfs → 'sev_guest'", async () => {
    expect(await detectTsmProvider({ root, fs: sev().fs })).toBe("sev_guest");
  });

  test("no configfs-tsm → undefined", async () => {
    expect(await detectTsmProvider({ root: join(root, "absent") })).toBeUndefined();
  });
});

describe("nodeTsmFs", () => {
  test("write, read to EOF, rmdir on a plain directory → round trip", async () => {
    const dir = join(root, "entry");
    await nodeTsmFs.mkdir(dir);
    await nodeTsmFs.writeFile(join(dir, "inblob"), snpReport);
    expect(await nodeTsmFs.readFile(join(dir, "inblob"), snpReport.length)).toEqual(snpReport);
    rmSync(join(dir, "inblob"));
    await nodeTsmFs.rmdir(dir);
    expect(await nodeTsmFs.isDirectory(dir)).toBe(false);
  });

  test("file larger than the limit → RangeError; missing file → ENOENT", async () => {
    mkdirSync(join(root, "e"));
    writeFileSync(join(root, "e", "outblob"), new Uint8Array(200_000));
    await expect(nodeTsmFs.readFile(join(root, "e", "outblob"), 199_999)).rejects.toThrow(RangeError);
    expect((await nodeTsmFs.readFile(join(root, "e", "outblob"), 200_000)).length).toBe(200_000);
    await expect(nodeTsmFs.readFile(join(root, "e", "auxblob"), 10)).rejects.toThrow(
      expect.objectContaining({ code: "ENOENT" }),
    );
  });
});
