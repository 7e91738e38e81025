// vCPU types, VMM differences, AP extension and option checks of the SNP launch digest.

import { describe, expect, test } from "bun:test";
import { fromHex, toHex, view } from "../../../src/common/bytes.ts";
import { ConfigError, ParseError } from "../../../src/common/errors.ts";
import { extendSnpLaunchDigest } from "../../../src/measure/snp/extend-launch-digest.ts";
import { measureSnpOvmf } from "../../../src/measure/snp/index.ts";
import { SnpLaunchDigest } from "../../../src/measure/snp/page-info.ts";
import { computeSnpLaunchDigest, type SnpOvmfOptions } from "../../../src/measure/snp/snp-launch-digest.ts";
import { computeCpuSignature, resolveVcpuSignature } from "../../../src/measure/snp/vcpu-types.ts";
import { BSP_EIP, buildVmsaPage, type VmsaOptions } from "../../../src/measure/snp/vmsa.ts";
import { expectError } from "../../support/expect-error.ts";
import { loadFixture } from "./testdata.ts";

const AMDSEV = loadFixture("ovmf_AmdSev_suffix.bin");

describe("computeCpuSignature", () => {
  test("spec family/model/stepping → spec signatures", () => {
    expect(computeCpuSignature(23, 1, 2)).toBe(0x00800f12);
    expect(computeCpuSignature(23, 49, 0)).toBe(0x00830f10);
    expect(computeCpuSignature(25, 1, 1)).toBe(0x00a00f11);
    expect(computeCpuSignature(25, 17, 0)).toBe(0x00a10f10);
    expect(computeCpuSignature(26, 0, 0)).toBe(0x00b00f00);
  });
});

describe("resolveVcpuSignature", () => {
  const rows: [string, number][] = [
    ["EPYC", 0x800f12],
    ["EPYC-v4", 0x800f12],
    ["epyc-rome", 0x830f10],
    ["EPYC-Milan", 0xa00f11],
    ["Milan", 0xa00f11],
    ["Genoa", 0xa10f10],
    ["EPYC-Turin", 0xb00f00],
    ["Turin", 0xb00f00],
    ["0x00A00F11", 0xa00f11],
  ];
  for (const [name, sig] of rows)
    test(`${name} → 0x${sig.toString(16)}`, () => expect(resolveVcpuSignature(name)).toBe(sig));
  test("unknown name → ConfigError invalid_vcpu_type", () => {
    expectError(() => resolveVcpuSignature("Xeon"), ConfigError, "invalid_vcpu_type");
  });
});

describe("buildVmsaPage", () => {
  const base: VmsaOptions = { vmm: "qemu", eip: BSP_EIP, sevFeatures: 1n, vcpuSignature: 0xa00f11 };
  const u16 = (p: Uint8Array, at: number) => view(p).getUint16(at, true);
  const u64 = (p: Uint8Array, at: number) => view(p).getBigUint64(at, true);
  test("qemu → CS 0x9b, RDX = signature, MXCSR/FCW set", () => {
    const p = buildVmsaPage(base);
    expect([u16(p, 0x12), u64(p, 0x310), view(p).getUint32(0x408, true), u16(p, 0x410)]).toEqual([
      0x9b,
      0xa00f11n,
      0x1f80,
      0x37f,
    ]);
  });
  test("qemu with pre-INIT2 host → MXCSR/FCW zero", () => {
    const p = buildVmsaPage({ ...base, kvmInit2: false });
    expect([view(p).getUint32(0x408, true), u16(p, 0x410)]).toEqual([0, 0]);
  });
  test("ec2 BSP → CS 0x9a, SS 0x92, TR 0x83, RDX 0x600; AP → CS 0x9b", () => {
    const p = buildVmsaPage({ ...base, vmm: "ec2" });
    expect([u16(p, 0x12), u16(p, 0x22), u16(p, 0x92), u64(p, 0x310)]).toEqual([0x9a, 0x92, 0x83, 0x600n]);
    expect(u16(buildVmsaPage({ ...base, vmm: "ec2", eip: 0x80b004 }), 0x12)).toBe(0x9b);
  });
  test("gce → G_PAT 0x70106, RDX 0x600", () => {
    const p = buildVmsaPage({ ...base, vmm: "gce" });
    expect([u64(p, 0x268), u64(p, 0x310)]).toEqual([0x70106n, 0x600n]);
  });
  test("features beyond 64 bits → ConfigError", () => {
    expectError(
      () => buildVmsaPage({ ...base, sevFeatures: 1n << 64n }),
      ConfigError,
      "invalid_guest_features",
    );
  });
  test("unknown vmm → ConfigError invalid_vmm", () => {
    expectError(() => buildVmsaPage({ ...base, vmm: "xen" as never }), ConfigError, "invalid_vmm");
  });
});

describe("extendSnpLaunchDigest", () => {
  const SNP1 =
    "803f691094946e42068aaa3a8f9e26a5c89f36f7b73ecfb28c653360fe4b3aba7e534442e7e1e17895dfe778d0228977";
  const MILAN1 =
    "93f767a2bff8fc050ed48cfe6e2dc9bb4c45b2313c48df0159a6b22fdc5633307f93a7ec31cf6fc92a61a2ace3cb9679";
  test("snp-1 + 1 AP → derived-snp1-2vcpu", () => {
    const d = extendSnpLaunchDigest(fromHex(SNP1), {
      aps: 1,
      apEip: 0x80b004,
      vcpuSignature: 0x800f12,
      guestFeatures: 0x21n,
    });
    expect(toHex(d)).toBe(
      "fdee4756af4d830201fb4b9fbcf366a50721d28c3a78fdd816f80751c62cdbf8b33c14c1e2ad37778943330d2d64986a",
    );
  });
  test("derived-milan-1 + 1 AP → derived-milan-2", () => {
    const d = extendSnpLaunchDigest(fromHex(MILAN1), {
      aps: 1,
      apEip: 0x80b004,
      vcpuSignature: resolveVcpuSignature("Milan"),
      guestFeatures: 1n,
    });
    expect(toHex(d)).toBe(
      "7ebc88066ce54aed30ae5dfadbb298613a046effdf58fbba3581cb752d7731f03805fb0154bbbe534fa30ac5bd661299",
    );
  });
  test("1 vCPU extended by 7 → the 8-vCPU digest", () => {
    const opts: SnpOvmfOptions = { vcpus: 1, vcpuSignature: 0xa10f10, guestFeatures: 1n, vmm: "qemu" };
    const one = computeSnpLaunchDigest(AMDSEV, opts);
    const eight = computeSnpLaunchDigest(AMDSEV, { ...opts, vcpus: 8 });
    const ext = extendSnpLaunchDigest(one, {
      aps: 7,
      apEip: 0x80b004,
      vcpuSignature: 0xa10f10,
      guestFeatures: 1n,
    });
    expect(toHex(ext)).toBe(toHex(eight));
  });
  test("0 APs → seed unchanged; negative → ConfigError", () => {
    expect(
      toHex(
        extendSnpLaunchDigest(fromHex(SNP1), {
          aps: 0,
          apEip: 0x80b004,
          vcpuSignature: 0,
          guestFeatures: 1n,
        }),
      ),
    ).toBe(SNP1);
    expectError(
      () => extendSnpLaunchDigest(fromHex(SNP1), { aps: -1, apEip: 0, vcpuSignature: 0, guestFeatures: 1n }),
      ConfigError,
      "invalid_vcpus",
    );
  });
});

describe("computeSnpLaunchDigest", () => {
  const base: SnpOvmfOptions = { vcpus: 1, vcpuSignature: 0x800f12, guestFeatures: 1n, vmm: "qemu" };
  const rows: [string, SnpOvmfOptions, typeof ConfigError | typeof ParseError, string][] = [
    ["0 vCPUs", { ...base, vcpus: 0 }, ConfigError, "invalid_vcpus"],
    ["fractional vCPUs", { ...base, vcpus: 1.5 }, ConfigError, "invalid_vcpus"],
    ["too many vCPUs", { ...base, vcpus: 5000 }, ConfigError, "invalid_vcpus"],
    ["seed of 47 bytes", { ...base, seed: new Uint8Array(47) }, ParseError, "invalid_length"],
    ["unaligned VMSA gpa", { ...base, vmsaGpa: 0x1234 }, ParseError, "invalid_gpa"],
  ];
  for (const [name, opts, cls, code] of rows) {
    test(`${name} → ${cls.name} ${code}`, () =>
      expectError(() => computeSnpLaunchDigest(AMDSEV, opts), cls, code));
  }
  test("2 vCPUs without a SEV-ES reset block → ConfigError snp_no_ap_reset_eip", () => {
    const img = new Uint8Array(4096); // no footer table at all
    expect(computeSnpLaunchDigest(img, base).length).toBe(48);
    expectError(() => computeSnpLaunchDigest(img, { ...base, vcpus: 2 }), ConfigError, "snp_no_ap_reset_eip");
  });
  test("a different VMSA gpa (GCE on Genoa) → a different digest", () => {
    const a = computeSnpLaunchDigest(AMDSEV, { ...base, vmm: "gce" });
    const b = computeSnpLaunchDigest(AMDSEV, { ...base, vmm: "gce", vmsaGpa: 0xffffffffff000 });
    expect(toHex(a)).not.toBe(toHex(b));
  });
});

describe("SnpLaunchDigest", () => {
  test("one NORMAL page from zero → SHA-384 of the hand-built PAGE_INFO", () => {
    const ld = new SnpLaunchDigest();
    const page = new Uint8Array(4096).fill(7);
    ld.updateNormalPages(0x1000, page);
    const info = new Uint8Array(0x70);
    info.set(new Uint8Array(new Bun.CryptoHasher("sha384").update(page).digest()), 0x30);
    view(info).setUint16(0x60, 0x70, true);
    info[0x62] = 1;
    view(info).setBigUint64(0x68, 0x1000n, true);
    expect(toHex(ld.digest())).toBe(new Bun.CryptoHasher("sha384").update(info).digest("hex"));
  });
  test("partial page → ParseError invalid_length", () => {
    expectError(
      () => new SnpLaunchDigest().updateNormalPages(0, new Uint8Array(100)),
      ParseError,
      "invalid_length",
    );
  });
});

describe("measureSnpOvmf", () => {
  test("public hex entry → derived-milan-1", () => {
    expect(
      measureSnpOvmf(AMDSEV, {
        vcpus: 1,
        vcpuSignature: resolveVcpuSignature("EPYC-Milan"),
        guestFeatures: 1n,
        vmm: "qemu",
      }),
    ).toBe(
      "93f767a2bff8fc050ed48cfe6e2dc9bb4c45b2313c48df0159a6b22fdc5633307f93a7ec31cf6fc92a61a2ace3cb9679",
    );
  });
});
