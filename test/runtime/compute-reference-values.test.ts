import { describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  computePlatformLaunchValues,
  computeRuntimeLaunchValues,
  diffLaunchValues,
  localArtifactPath,
  readVcpuCounts,
  serializeLaunchValues,
} from "../../runtime/compute-reference-values.ts";
import { fromHex, toHex } from "../../src/common/bytes.ts";
import { ConfigError, VerificationError } from "../../src/common/errors.ts";
import {
  loadRuntimeLaunchValues,
  type SnpPlatformLaunchValues,
} from "../../src/manifest/runtime-launch-values.ts";
import { extendSnpLaunchDigest, resolveVcpuSignature } from "../../src/measure/snp/index.ts";
import { parseOvmfSevInfo, SevSectionType } from "../../src/measure/snp/ovmf-sev.ts";
import { loadRuntimeLock } from "../../src/platform/locks.ts";
import { expectError } from "../support/expect-error.ts";

const REPO = join(import.meta.dir, "..", "..");
const RUNTIME = join(REPO, "runtime");
const ARTIFACTS = join(RUNTIME, "artifacts");
const SNP_LOCK = loadRuntimeLock("Metal-QEMU-SNP");
const FIRMWARE = localArtifactPath(SNP_LOCK, SNP_LOCK.files.find((f) => f.role === "firmware")!, ARTIFACTS)!;
const TDX_LOCK = loadRuntimeLock("Metal-QEMU-TDX");
const TDX_FIRMWARE = localArtifactPath(
  TDX_LOCK,
  TDX_LOCK.files.find((f) => f.role === "firmware")!,
  ARTIFACTS,
)!;
const HAVE_FIRMWARE = existsSync(FIRMWARE) && existsSync(TDX_FIRMWARE);
if (!HAVE_FIRMWARE)
  console.warn(
    `skipping recomputation tests: ${FIRMWARE} not fetched (run make runtime-artifacts; CI runs make runtime-reference-values-check)`,
  );
const withFirmware = HAVE_FIRMWARE ? test : test.skip;
const template = (name: string) => readFileSync(join(RUNTIME, "kata", name), "utf8");

describe("computeRuntimeLaunchValues", () => {
  withFirmware("fetched firmware → exactly the committed runtime/reference-values.json", () => {
    const doc = computeRuntimeLaunchValues(RUNTIME, ARTIFACTS);
    expect(
      diffLaunchValues(doc, JSON.parse(readFileSync(join(RUNTIME, "reference-values.json"), "utf8"))),
    ).toEqual([]);
    expect(serializeLaunchValues(doc)).toBe(readFileSync(join(RUNTIME, "reference-values.json"), "utf8"));
    expect(Object.keys(doc.platforms)).toEqual(["Metal-QEMU-SNP", "Metal-QEMU-TDX"]);
  });

  test("artifacts dir without the firmware → ConfigError firmware_missing", () => {
    const empty = mkdtempSync(join(tmpdir(), "contrast-refvals-"));
    try {
      expectError(() => computeRuntimeLaunchValues(RUNTIME, empty), ConfigError, "firmware_missing");
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe("computePlatformLaunchValues", () => {
  test("firmware bytes that do not match the lock's SRI → VerificationError integrity_mismatch", () => {
    expectError(
      () =>
        computePlatformLaunchValues(SNP_LOCK, new Uint8Array(4096), template("configuration-qemu-snp.toml")),
      VerificationError,
      "integrity_mismatch",
    );
  });

  withFirmware(
    "n-vCPU digests → equal to the 1-vCPU digest extended by n−1 AP VMSAs (as Contrast ships them)",
    () => {
      const firmware = new Uint8Array(readFileSync(FIRMWARE));
      const apEip = parseOvmfSevInfo(firmware).sevEsResetEip!;
      const p = loadRuntimeLaunchValues().platforms["Metal-QEMU-SNP"] as SnpPlatformLaunchValues;
      let checked = 0;
      for (const product of Object.values(p.products)) {
        const seed = fromHex(product!.launchDigests["1"]!);
        for (const [n, digest] of Object.entries(product!.launchDigests)) {
          const extended = extendSnpLaunchDigest(seed, {
            aps: Number(n) - 1,
            apEip,
            vcpuSignature: resolveVcpuSignature(product!.vcpuType),
            guestFeatures: 0x1n,
          });
          expect(toHex(extended)).toBe(digest);
          checked++;
        }
      }
      expect(checked).toBe(16);
    },
  );
});

describe("locked Debian OVMF", () => {
  withFirmware(
    "SEV metadata → no SNP_KERNEL_HASHES section, so kernel/initrd/cmdline are not measured (README)",
    () => {
      const info = parseOvmfSevInfo(new Uint8Array(readFileSync(FIRMWARE)));
      expect(info.sections.length).toBeGreaterThan(0);
      expect(info.sections.some((s) => s.type === SevSectionType.SnpKernelHashes)).toBe(false);
    },
  );
});

describe("readVcpuCounts", () => {
  type Row = [string, string, { defaultVcpus: number; maxVcpus: number; counts: number[] }];
  const rows: Row[] = [
    [
      "shipped SNP template (maxvcpus 0 = host cores)",
      template("configuration-qemu-snp.toml"),
      {
        defaultVcpus: 1,
        maxVcpus: 0,
        counts: [1, 2, 3, 4, 5, 6, 7, 8],
      },
    ],
    [
      "max equals default",
      "[hypervisor.qemu]\ndefault_vcpus = 2\ndefault_maxvcpus = 2\n",
      {
        defaultVcpus: 2,
        maxVcpus: 2,
        counts: [2],
      },
    ],
    [
      "max 4",
      "[hypervisor.qemu]\ndefault_vcpus = 1\ndefault_maxvcpus = 4\n",
      {
        defaultVcpus: 1,
        maxVcpus: 4,
        counts: [1, 2, 3, 4],
      },
    ],
    [
      "max above 8",
      "[hypervisor.qemu]\ndefault_vcpus = 1\ndefault_maxvcpus = 32\n",
      {
        defaultVcpus: 1,
        maxVcpus: 32,
        counts: [1, 2, 3, 4, 5, 6, 7, 8],
      },
    ],
  ];
  for (const [name, toml, want] of rows)
    test(`${name} → ${want.counts.join(",")}`, () => expect(readVcpuCounts(toml, "t")).toEqual(want));

  for (const [name, toml] of [
    ["no default_vcpus", "[hypervisor.qemu]\n"],
    ["default_vcpus 0", "[hypervisor.qemu]\ndefault_vcpus = 0\n"],
    ["negative max", "[hypervisor.qemu]\ndefault_vcpus = 1\ndefault_maxvcpus = -1\n"],
  ] as const) {
    test(`${name} → ConfigError invalid_kata_template`, () => {
      expectError(() => readVcpuCounts(toml, "t"), ConfigError, "invalid_kata_template");
    });
  }
});

describe("diffLaunchValues", () => {
  test("one digest changed, one key missing → both paths named with expected and got", () => {
    const want = { platforms: { A: { mrTd: "aa", tee: "tdx" } } };
    const got = { platforms: { A: { mrTd: "bb" } } };
    expect(diffLaunchValues(want, got)).toEqual([
      'platforms.A.mrTd: expected "aa", got "bb"',
      'platforms.A.tee: expected "tdx", got nothing',
    ]);
  });
});

describe("runtime/compute-reference-values.ts --check", () => {
  withFirmware("committed file current → exit 0; one digest edited → exit 1 naming that value", () => {
    const dir = mkdtempSync(join(tmpdir(), "contrast-refvals-"));
    try {
      for (const d of ["locks", "kata"]) cpSync(join(RUNTIME, d), join(dir, d), { recursive: true });
      const file = join(dir, "reference-values.json");
      const text = readFileSync(join(RUNTIME, "reference-values.json"), "utf8");
      writeFileSync(file, text);
      const script = join(RUNTIME, "compute-reference-values.ts");
      const check = () =>
        Bun.spawnSync([process.execPath, script, "--runtime", dir, "--artifacts", ARTIFACTS, "--check"]);
      expect(check().exitCode).toBe(0);
      const doc = JSON.parse(text);
      doc.platforms["Metal-QEMU-SNP"].products.Genoa.launchDigests["3"] = "00".repeat(48);
      writeFileSync(file, JSON.stringify(doc, null, 2));
      const stale = check();
      expect(stale.exitCode).toBe(1);
      expect(stale.stderr.toString()).toContain("platforms.Metal-QEMU-SNP.products.Genoa.launchDigests.3");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
