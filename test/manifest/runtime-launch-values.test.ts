import { describe, expect, test } from "bun:test";
import { ParseError } from "../../src/common/errors.ts";
import {
  launchValuesFor,
  loadRuntimeLaunchValues,
  parseRuntimeLaunchValues,
  type SnpPlatformLaunchValues,
} from "../../src/manifest/runtime-launch-values.ts";
import { loadRuntimeLock } from "../../src/platform/locks.ts";
import { expectError } from "../support/expect-error.ts";

/** The document as mutable JSON, loose enough to delete or mistype any field. */
interface LooseDoc {
  platforms?: Record<
    string,
    {
      tee?: string;
      defaultVcpus?: number;
      mrTd?: string;
      products: Record<string, { launchDigests?: Record<string, string> }>;
    }
  >;
}
const embedded = () => JSON.parse(JSON.stringify(loadRuntimeLaunchValues())) as LooseDoc;

describe("loadRuntimeLaunchValues", () => {
  test("embedded values → computed from exactly the firmware each platform's lock pins", () => {
    let n = 0;
    for (const [name, p] of Object.entries(loadRuntimeLaunchValues().platforms)) {
      const fw = loadRuntimeLock(name).files.find((f) => f.role === "firmware")!;
      expect(p.firmware).toEqual({ source: fw.source, integrity: fw.integrity! });
      n++;
    }
    expect(n).toBe(2);
  });

  test("SNP entry → Milan and Genoa digests for 1..8 vCPUs, inputs recorded", () => {
    const p = loadRuntimeLaunchValues().platforms["Metal-QEMU-SNP"] as SnpPlatformLaunchValues;
    expect([p.vmm, p.guestFeatures, p.defaultVcpus]).toEqual(["qemu", "0x1", 1]);
    expect(p.products.Milan?.vcpuSignature).toBe("0x00a00f11");
    expect(p.products.Genoa?.vcpuSignature).toBe("0x00a10f10");
    expect(Object.keys(p.products.Genoa!.launchDigests)).toEqual(["1", "2", "3", "4", "5", "6", "7", "8"]);
  });
});

describe("parseRuntimeLaunchValues", () => {
  type Row = [string, (d: LooseDoc) => void];
  const snp = (d: LooseDoc) => d.platforms!["Metal-QEMU-SNP"]!;
  const rows: Row[] = [
    ["no platforms", (d) => delete d.platforms],
    ["unknown tee", (d) => (snp(d).tee = "sev")],
    ["digest upper-case", (d) => (snp(d).products.Milan!.launchDigests!["1"] = "AB".repeat(48))],
    ["digest short", (d) => (snp(d).products.Milan!.launchDigests!["2"] = "ab")],
    ["no digest for the default vCPUs", (d) => delete snp(d).products.Genoa!.launchDigests!["1"]],
    ["defaultVcpus 0", (d) => (snp(d).defaultVcpus = 0)],
    ["launchDigests missing", (d) => delete snp(d).products.Milan!.launchDigests],
    ["tdx mrTd missing", (d) => delete d.platforms!["Metal-QEMU-TDX"]!.mrTd],
  ];
  test("embedded baseline → valid", () =>
    expect(parseRuntimeLaunchValues(embedded()).platforms).toBeDefined());
  for (const [name, mutate] of rows) {
    test(`${name} → ParseError invalid_runtime_reference_values`, () => {
      const d = embedded();
      mutate(d);
      expectError(() => parseRuntimeLaunchValues(d), ParseError, "invalid_runtime_reference_values");
    });
  }
});

describe("launchValuesFor", () => {
  const snp = (d: LooseDoc) => d.platforms!["Metal-QEMU-SNP"]!;
  test("SNP → per-product digest at default vCPUs; TDX → MRTD; CLH-SNP → nothing", () => {
    const doc = loadRuntimeLaunchValues();
    const p = doc.platforms["Metal-QEMU-SNP"] as SnpPlatformLaunchValues;
    expect(launchValuesFor("Metal-QEMU-SNP")).toEqual({
      snp: { Milan: p.products.Milan!.launchDigests["1"]!, Genoa: p.products.Genoa!.launchDigests["1"]! },
    });
    expect(launchValuesFor("Metal-QEMU-TDX").tdx?.mrTd).toMatch(/^[0-9a-f]{96}$/);
    expect(launchValuesFor("CLH-SNP")).toEqual({});
  });

  test("a document whose default is 2 vCPUs → the 2-vCPU digests", () => {
    const d = embedded();
    snp(d).defaultVcpus = 2;
    const doc = parseRuntimeLaunchValues(d);
    expect(launchValuesFor("Metal-QEMU-SNP", doc).snp?.Genoa).toBe(
      snp(d).products.Genoa!.launchDigests!["2"],
    );
  });
});
