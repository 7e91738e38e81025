import { describe, expect, test } from "bun:test";
import { parseSnpCertTable, pickSnpCerts, SNP_CERT_GUIDS } from "../../../src/attestation/snp/cert-table.ts";
import { ParseError } from "../../../src/common/errors.ts";
import { formatGuid } from "../../../src/common/guid.ts";
import { seededRandom } from "../../support/seeded-random.ts";
import { readTestdata } from "../fixtures/collateral-server.ts";

/** go-sev-guest's private "extra platform info" entry: not AMD-defined, must be ignored by pick. */
const EXTRA_GUID = "ecae0c0f-9502-43b1-afa2-0ae2e0d565b6";

function pemBlocks(file: string): Uint8Array[] {
  const text = new TextDecoder().decode(readTestdata(file));
  return [...text.matchAll(/-----BEGIN CERTIFICATE-----([^-]+)-----END CERTIFICATE-----/g)].map(
    (m) => new Uint8Array(Buffer.from(m[1]!.replace(/\s/g, ""), "base64")),
  );
}

function guidBytes(guid: string): Uint8Array {
  return new Uint8Array(Buffer.from(guid.replace(/-/g, ""), "hex"));
}

interface Raw {
  guid: string;
  offset?: number;
  length?: number;
  data: Uint8Array;
}

/** Builds a table the way the host does: headers, zero terminator, then blobs in order; `pad` trailing zero bytes. */
function buildTable(entries: Raw[], pad = 0): Uint8Array {
  const headerEnd = (entries.length + 1) * 24;
  const total = headerEnd + entries.reduce((n, e) => n + e.data.length, 0) + pad;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  let at = headerEnd;
  entries.forEach((e, i) => {
    out.set(guidBytes(e.guid), i * 24);
    dv.setUint32(i * 24 + 16, e.offset ?? at, true);
    dv.setUint32(i * 24 + 20, e.length ?? e.data.length, true);
    out.set(e.data, at);
    at += e.data.length;
  });
  return out;
}

const vcek = readTestdata("snp/milan_v2_gosevguest_vcek.der");
const [ask, ark] = pemBlocks("amd/milan_vcek_cert_chain.pem") as [Uint8Array, Uint8Array];
const crl = readTestdata("tdx/rootcacrl_2023.der");
const extra = new Uint8Array([8, 0, 0, 0, 0x11, 0x0f, 0xa0, 0x00]);

const baseline = (): Raw[] => [
  { guid: SNP_CERT_GUIDS.vcek, data: vcek },
  { guid: SNP_CERT_GUIDS.ask, data: ask },
  { guid: SNP_CERT_GUIDS.ark, data: ark },
];

describe("formatGuid", () => {
  test("vcek guid bytes in stored order → first byte 0x63 prints first", () => {
    const b = guidBytes(SNP_CERT_GUIDS.vcek);
    expect(b[0]).toBe(0x63);
    expect(formatGuid(b, "rfc4122")).toBe("63da758d-e664-4564-adc5-f4b93be8accd");
  });
});

describe("parseSnpCertTable", () => {
  test("vcek, ask, ark and an unknown entry with page padding → 4 entries with the exact DER", () => {
    const table = buildTable([...baseline(), { guid: EXTRA_GUID, data: extra }], 4096);
    const entries = parseSnpCertTable(table);
    expect(entries.map((e) => e.guid)).toEqual([
      SNP_CERT_GUIDS.vcek,
      SNP_CERT_GUIDS.ask,
      SNP_CERT_GUIDS.ark,
      EXTRA_GUID,
    ]);
    expect(entries[0]!.data).toEqual(vcek);
    expect(entries[3]!.data).toEqual(extra);
  });

  test("returned data is a copy → mutating the input does not change it", () => {
    const table = buildTable(baseline());
    const entries = parseSnpCertTable(table);
    table.fill(0);
    expect(entries[1]!.data).toEqual(ask);
  });

  test("only a terminator → no entries", () => {
    expect(parseSnpCertTable(new Uint8Array(24))).toEqual([]);
    expect(parseSnpCertTable(new Uint8Array(4096))).toEqual([]);
  });

  test("blobs stored in reverse order (offsets not ascending) → accepted", () => {
    const headerEnd = 4 * 24;
    const table = new Uint8Array(headerEnd + vcek.length + ask.length + ark.length);
    const dv = new DataView(table.buffer);
    // Blobs laid out ark, ask, vcek while the headers list vcek, ask, ark.
    const layout: [string, Uint8Array, number][] = [
      [SNP_CERT_GUIDS.vcek, vcek, headerEnd + ark.length + ask.length],
      [SNP_CERT_GUIDS.ask, ask, headerEnd + ark.length],
      [SNP_CERT_GUIDS.ark, ark, headerEnd],
    ];
    layout.forEach(([guid, data, offset], i) => {
      table.set(guidBytes(guid), i * 24);
      dv.setUint32(i * 24 + 16, offset, true);
      dv.setUint32(i * 24 + 20, data.length, true);
      table.set(data, offset);
    });
    expect(pickSnpCerts(parseSnpCertTable(table))).toEqual({ vcek, ask, ark });
  });

  const headerEnd = 4 * 24;
  const total = headerEnd + vcek.length + ask.length + ark.length;
  const rows: [string, (b: Raw[]) => Raw[], number | undefined, string][] = [
    [
      "data inside the header",
      (b) => [{ ...b[0]!, offset: 24 }, b[1]!, b[2]!],
      undefined,
      "snp_cert_table_bounds",
    ],
    [
      "data past the end",
      (b) => [b[0]!, b[1]!, { ...b[2]!, length: ark.length + 1 }],
      undefined,
      "snp_cert_table_bounds",
    ],
    ["zero length", (b) => [b[0]!, { ...b[1]!, length: 0 }, b[2]!], undefined, "snp_cert_table_bounds"],
    [
      "offset near 2^32 (sum overflows u32)",
      (b) => [{ ...b[0]!, offset: 0xffffff00 }, b[1]!, b[2]!],
      undefined,
      "snp_cert_table_bounds",
    ],
    [
      "two entries sharing bytes",
      (b) => [b[0]!, { ...b[1]!, offset: headerEnd + 10 }, b[2]!],
      undefined,
      "snp_cert_table_overlap",
    ],
    [
      "same guid twice",
      (b) => [b[0]!, { ...b[1]!, guid: SNP_CERT_GUIDS.vcek }, b[2]!],
      undefined,
      "snp_cert_table_duplicate",
    ],
    ["truncated inside the headers", (b) => b, 40, "snp_cert_table_unterminated"],
    ["terminator cut off", (b) => b, 3 * 24 + 10, "snp_cert_table_unterminated"],
    ["truncated inside the last blob", (b) => b, total - 1, "snp_cert_table_bounds"],
  ];
  for (const [name, edit, cut, code] of rows) {
    test(`${name} → ParseError ${code}`, () => {
      const table = buildTable(edit(baseline())).subarray(0, cut);
      expect(() => parseSnpCertTable(table)).toThrow(ParseError);
      expect(() => parseSnpCertTable(table)).toThrow(expect.objectContaining({ code }));
    });
  }
  test("baseline of the table → parses; all rows ran", () => {
    expect(parseSnpCertTable(buildTable(baseline())).length).toBe(3);
    expect(rows.length).toBe(9);
  });

  test("no all-zero entry anywhere (random non-zero bytes) → snp_cert_table_unterminated", () => {
    expect(() => parseSnpCertTable(new Uint8Array(240).fill(0x41))).toThrow(
      expect.objectContaining({ code: "snp_cert_table_unterminated" }),
    );
  });

  test("fuzz: 4000 random and mutated tables (seed 6) → entries in bounds or ParseError only", () => {
    const rand = seededRandom(6);
    const valid = buildTable([...baseline(), { guid: EXTRA_GUID, data: extra }], 64);
    let parsed = 0;
    let rejected = 0;
    for (let i = 0; i < 4000; i++) {
      let input: Uint8Array;
      if (i % 4 === 0) {
        input = new Uint8Array(Math.floor(rand() * 200));
        for (let j = 0; j < input.length; j++) input[j] = rand() < 0.5 ? 0 : Math.floor(rand() * 256);
      } else {
        input = valid.slice(0, i % 7 === 0 ? Math.floor(rand() * valid.length) : valid.length);
        const flips = 1 + Math.floor(rand() * 4);
        for (let k = 0; k < flips && input.length > 0; k++) {
          input[Math.floor(rand() * Math.min(input.length, 6 * 24))] = Math.floor(rand() * 256);
        }
      }
      try {
        const entries = parseSnpCertTable(input);
        const bytes = entries.reduce((n, e) => n + e.data.length, 0);
        expect(bytes + (entries.length + 1) * 24).toBeLessThanOrEqual(input.length);
        parsed++;
      } catch (e) {
        if (!(e instanceof ParseError)) throw e;
        rejected++;
      }
    }
    expect(parsed + rejected).toBe(4000);
    expect(parsed).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(0);
  });
});

describe("pickSnpCerts", () => {
  test("vcek table with unknown entry → vcek, ask, ark; unknown ignored", () => {
    const entries = parseSnpCertTable(buildTable([{ guid: EXTRA_GUID, data: extra }, ...baseline()]));
    expect(pickSnpCerts(entries)).toEqual({ vcek, ask, ark });
  });

  test("vlek table with crl → vlek, ask (the ASVK), ark, crl", () => {
    const vlek = readTestdata("snp/milan_v3_vlek_aws_vlek.der");
    const [asvk, vlekArk] = pemBlocks("amd/milan_vlek_cert_chain.pem") as [Uint8Array, Uint8Array];
    const entries = parseSnpCertTable(
      buildTable([
        { guid: SNP_CERT_GUIDS.vlek, data: vlek },
        { guid: SNP_CERT_GUIDS.ask, data: asvk },
        { guid: SNP_CERT_GUIDS.ark, data: vlekArk },
        { guid: SNP_CERT_GUIDS.crl, data: crl },
      ]),
    );
    expect(pickSnpCerts(entries)).toEqual({ vlek, ask: asvk, ark: vlekArk, crl });
  });

  test("upper-case guid in hand-built entries → still matched", () => {
    expect(pickSnpCerts([{ guid: SNP_CERT_GUIDS.ark.toUpperCase(), data: ark }])).toEqual({ ark });
  });

  test("duplicate known guid in hand-built entries → ParseError snp_cert_table_duplicate", () => {
    const e = { guid: SNP_CERT_GUIDS.vcek, data: vcek };
    expect(() => pickSnpCerts([e, e])).toThrow(expect.objectContaining({ code: "snp_cert_table_duplicate" }));
  });
});
