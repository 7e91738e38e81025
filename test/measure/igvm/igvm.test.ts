// IGVM parsing and SNP digests, cross-checked against the OVMF path and published vectors.

import { describe, expect, test } from "bun:test";
import { toHex, view } from "../../../src/common/bytes.ts";
import { sha384 } from "../../../src/common/digest.ts";
import { ConfigError, ParseError } from "../../../src/common/errors.ts";
import { computeIgvmSnpLaunchDigest } from "../../../src/measure/igvm/igvm-snp-digest.ts";
import { parseIgvm } from "../../../src/measure/igvm/parse-igvm.ts";
import { buildKernelHashesPage, buildSevHashTable } from "../../../src/measure/snp/kernel-hashes.ts";
import { parseOvmfSevInfo, SevSectionType } from "../../../src/measure/snp/ovmf-sev.ts";
import { PageType, SnpLaunchDigest } from "../../../src/measure/snp/page-info.ts";
import { BSP_EIP, buildVmsaPage, KVM_VMSA_GPA } from "../../../src/measure/snp/vmsa.ts";
import { expectError } from "../../support/expect-error.ts";
import { loadFixture } from "../snp/testdata.ts";
import { buildIgvm, fixChecksum, type IgvmSpec } from "./build-igvm.ts";

const SNP = 1; // compat mask bit of the SEV-SNP platform in these files
const TDX = 2;
const AMDSEV = loadFixture("ovmf_AmdSev_suffix.bin");
const PLATFORMS: IgvmSpec[] = [
  { kind: "platform", mask: SNP, platformType: 2 },
  { kind: "platform", mask: TDX, platformType: 3 },
];

/** The AmdSev OVMF launch (virtee/sev-snp-measure guest.py) re-expressed as IGVM directives, as a QEMU IGVM loader would see it. */
function ovmfAsIgvm(features: bigint, kernelPage?: Uint8Array): IgvmSpec[] {
  const info = parseOvmfSevInfo(AMDSEV);
  const specs: IgvmSpec[] = [...PLATFORMS, { kind: "page", gpa: info.gpa, mask: SNP, data: AMDSEV }];
  for (const s of info.sections) {
    for (let off = 0; off < (s.type === 2 || s.type === 3 ? 4096 : s.size); off += 4096) {
      const gpa = s.gpa + off;
      if (s.type === SevSectionType.SnpSecrets) specs.push({ kind: "page", gpa, mask: SNP, dataType: 1 });
      else if (s.type === SevSectionType.Cpuid) specs.push({ kind: "page", gpa, mask: SNP, dataType: 2 });
      else if (s.type === SevSectionType.SnpKernelHashes && kernelPage)
        specs.push({ kind: "page", gpa, mask: SNP, data: kernelPage });
      else specs.push({ kind: "page", gpa, mask: SNP });
    }
  }
  const vmsa = buildVmsaPage({ vmm: "qemu", eip: BSP_EIP, sevFeatures: features, vcpuSignature: 0x800f12 });
  specs.push({ kind: "vp", gpa: KVM_VMSA_GPA, mask: SNP, vpIndex: 0, data: vmsa });
  return specs;
}

describe("computeIgvmSnpLaunchDigest", () => {
  test("snp-4 as IGVM with --native-zero → the published snp-4 digest", () => {
    const m = computeIgvmSnpLaunchDigest(buildIgvm(ovmfAsIgvm(1n)), { nativeZero: true });
    expect(toHex(m.launchDigest)).toBe(
      "19358ba9a7615534a9a1e2f0dfc29384dcd4dcb7062ff9c6013b26869a5fc6ecabe033c48dd6f6db5d6d76e7c5df632d",
    );
    expect(m.vmsaCount).toBe(1);
  });
  test("snp-2 (kernel hashes page as PAGE_DATA) → the published snp-2 digest", () => {
    const table = buildSevHashTable({
      kernel: new Uint8Array(0),
      initrd: new Uint8Array(0),
      cmdline: "console=ttyS0 loglevel=7",
    });
    const m = computeIgvmSnpLaunchDigest(buildIgvm(ovmfAsIgvm(1n, buildKernelHashesPage(table, 0xc00))), {
      nativeZero: true,
    });
    expect(toHex(m.launchDigest)).toBe(
      "6d287813eb5222d770f75005c664e34c204f385ce832cc2ce7d0d6f354454362f390ef83a92046c042e706363b4b08fa",
    );
  });
  test("default (no native zero) → data-less pages measured as NORMAL zero pages, per a hand-built chain", () => {
    const file = buildIgvm([
      ...PLATFORMS,
      { kind: "page", gpa: 0x1000, mask: SNP },
      { kind: "page", gpa: 0x2000, mask: SNP, data: new Uint8Array([1, 2, 3]) },
      { kind: "page", gpa: 0x3000, mask: SNP, flags: 2 },
      { kind: "page", gpa: 0x4000, mask: SNP | TDX, flags: 4, data: new Uint8Array(4096) },
      { kind: "page", gpa: 0x5000, mask: TDX, data: new Uint8Array(4096).fill(9) },
      { kind: "area", areaIndex: 0, size: 0x2000 },
      { kind: "insert", gpa: 0x6000, mask: SNP, areaIndex: 0 },
      { kind: "page", gpa: 0x7000, mask: SNP, dataType: 3 },
      { kind: "vp", gpa: KVM_VMSA_GPA, mask: SNP, vpIndex: 0, data: new Uint8Array(100).fill(5) },
    ]);
    const ld = new SnpLaunchDigest();
    const padded = new Uint8Array(4096);
    padded.set([1, 2, 3]);
    ld.updatePage(PageType.Normal, 0x1000, sha384(new Uint8Array(4096)));
    ld.updatePage(PageType.Normal, 0x2000, sha384(padded));
    ld.updatePage(PageType.Unmeasured, 0x3000); // unmeasured; 0x4000 shared and 0x5000 TDX-only are skipped
    ld.updatePage(PageType.Unmeasured, 0x6000);
    ld.updatePage(PageType.Unmeasured, 0x7000);
    ld.updatePage(PageType.Cpuid, 0x7000);
    const vmsa = new Uint8Array(4096);
    vmsa.fill(5, 0, 100);
    ld.updateVmsaPage(KVM_VMSA_GPA, sha384(vmsa));
    expect(toHex(computeIgvmSnpLaunchDigest(file).launchDigest)).toBe(toHex(ld.digest()));
  });
  test("2 MiB page → 512 consecutive 4 KiB NORMAL pages", () => {
    const data = new Uint8Array(0x20_0000).map((_, i) => i & 0xff);
    const file = buildIgvm([...PLATFORMS, { kind: "page", gpa: 0x20_0000, mask: SNP, flags: 1, data }]);
    const ld = new SnpLaunchDigest();
    ld.updateNormalPages(0x20_0000, data);
    expect(toHex(computeIgvmSnpLaunchDigest(file).launchDigest)).toBe(toHex(ld.digest()));
  });
  test("no SEV-SNP platform → ConfigError igvm_no_snp_platform", () => {
    const file = buildIgvm([{ kind: "platform", mask: TDX, platformType: 3 }]);
    expectError(() => computeIgvmSnpLaunchDigest(file), ConfigError, "igvm_no_snp_platform");
  });
  test("parameter insert of an undeclared area → ParseError igvm_malformed", () => {
    const file = buildIgvm([...PLATFORMS, { kind: "insert", gpa: 0x6000, mask: SNP, areaIndex: 3 }]);
    expectError(() => computeIgvmSnpLaunchDigest(file), ParseError, "igvm_malformed");
  });
});

describe("parseIgvm", () => {
  const baseline = buildIgvm([
    ...PLATFORMS,
    { kind: "policy", policy: 0x30000n, mask: SNP },
    { kind: "page", gpa: 0x1000, mask: SNP, data: new Uint8Array(4096).fill(1) },
  ]);
  test("baseline → platforms, policy and one page directive", () => {
    const f = parseIgvm(baseline);
    expect(f.platforms.map((p) => [p.compatMask, p.platformType])).toEqual([
      [1, 2],
      [2, 3],
    ]);
    expect(f.guestPolicies).toEqual([{ policy: 0x30000n, compatMask: 1 }]);
    expect(f.directives.length).toBe(1);
    expect(f.directives[0]!.kind).toBe("page_data");
  });
  test("unknown ignorable header → skipped", () => {
    const f = parseIgvm(
      buildIgvm([...PLATFORMS, { kind: "raw", type: 0x8000_0350, content: new Uint8Array(3) }]),
    );
    expect(f.directives.length).toBe(0);
  });

  const mutate = (at: number, v: number) => () => {
    const f = baseline.slice();
    view(f).setUint32(at, v, true);
    return at === 20 ? f : fixChecksum(f);
  };
  const rows: [string, () => Uint8Array][] = [
    ["truncated fixed header", () => baseline.slice(0, 20)],
    ["bad magic", mutate(0, 0x12345678)],
    ["format version 3", mutate(4, 3)],
    ["variable header offset unaligned", mutate(8, 28)],
    ["total size mismatch", mutate(16, 99)],
    ["checksum mismatch", mutate(20, 0)],
    ["platform mask with two bits", mutate(24 + 8, 3)],
    ["header length past the end", mutate(24 + 4, 0xffff)],
    ["page data file offset beyond file", mutate(24 + 3 * 24 + 8 + 12, 0x7fff_0000)],
    ["page data unknown flag", mutate(24 + 3 * 24 + 8 + 16, 0x10)],
    [
      "unknown non-ignorable header",
      () => buildIgvm([...PLATFORMS, { kind: "raw", type: 0x350, content: new Uint8Array(8) }]),
    ],
    ["directive before platform", () => buildIgvm([{ kind: "page", gpa: 0, mask: SNP }, ...PLATFORMS])],
    ["unaligned page gpa", () => buildIgvm([...PLATFORMS, { kind: "page", gpa: 0x10, mask: SNP }])],
  ];
  for (const [name, make] of rows) {
    test(`${name} → ParseError igvm_malformed`, () =>
      expectError(() => parseIgvm(make()), ParseError, "igvm_malformed"));
  }
});
