// `contrast measure` end to end in-process (lives here because test/cli/ is not this component's path).

import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registerMeasure } from "../../../src/cli/measure.ts";
import { toHex } from "../../../src/common/bytes.ts";
import { computeIgvmSnpLaunchDigest } from "../../../src/measure/igvm/igvm-snp-digest.ts";
import { type CliResult, runInProcess } from "../../support/run-in-process.ts";
import { buildIgvm } from "../igvm/build-igvm.ts";
import { buildTdvfImage } from "../tdx/build-tdvf.ts";
import { MEASUREMENT_DIR } from "./testdata.ts";

const AMDSEV = join(MEASUREMENT_DIR, "ovmf_AmdSev_suffix.bin");
const X64 = join(MEASUREMENT_DIR, "ovmf_OvmfX64_suffix.bin");
const DIR = mkdtempSync(join(tmpdir(), "measure-cli-"));
const EMPTY = join(DIR, "empty");
writeFileSync(EMPTY, new Uint8Array(0));
const ID_KEY = join(import.meta.dir, "testdata", "id_key_test.pem");

function run(...args: string[]): Promise<CliResult> {
  return runInProcess(registerMeasure, ["measure", ...args]);
}

afterEach(() => {
  process.exitCode = 0;
});

/** The direct-boot flags of the published vectors: guest features 0x21, empty kernel and initrd, `append`. */
const directBoot = (append: string) => [
  "--guest-features",
  "0x21",
  "--kernel",
  EMPTY,
  "--initrd",
  EMPTY,
  "--append",
  append,
];

describe("measure snp", () => {
  test("snp-1 flags → the snp-1 digest alone on stdout", async () => {
    const r = await run(
      "snp",
      "--ovmf",
      AMDSEV,
      "--vcpu-type",
      "EPYC-v4",
      ...directBoot("console=ttyS0 loglevel=7"),
    );
    expect(r).toEqual({
      code: 0,
      stdout:
        "803f691094946e42068aaa3a8f9e26a5c89f36f7b73ecfb28c653360fe4b3aba7e534442e7e1e17895dfe778d0228977\n",
      stderr: "",
    });
  });
  test("ec2 with empty --append and --json → snp-9 digest in a JSON object", async () => {
    const r = await run("snp", "--ovmf", AMDSEV, "--vmm", "ec2", ...directBoot(""), "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      launchDigest:
        "0ce9ccc06bab55eebe8abc234f3df6514883977a68a591b71052498ab52b2f1aa415db338033946ef93aa8278c0d67fb",
      vmm: "ec2",
      guestFeatures: "0x21",
    });
  });
  test("Genoa, 2 vCPUs → derived-genoa-2", async () => {
    const r = await run("snp", "--ovmf", AMDSEV, "--vcpus", "2", "--vcpu-type", "Genoa");
    expect(r.stdout.trim()).toBe(
      "3919b210f6562c034f07a3f6177c84e96bca4dc357b80186f0adf1fea3a198d64d3d52e1ac9fd85a67fd3c0f09df026a",
    );
  });
  test("--id-key → ID block values with the published ID key digest", async () => {
    const r = await run("snp", "--ovmf", AMDSEV, "--vcpu-type", "EPYC-v4", "--id-key", ID_KEY, "--json");
    const idBlock = JSON.parse(r.stdout).idBlock;
    expect(idBlock.idKeyDigest).toBe(
      "870b7e35c53f8a72d0d322f75ab2af8262792aaf6579622ce4131c3f21f289e77cb0560a5e3b90b3932e674ec709cb14",
    );
    expect(idBlock.policy).toBe("0x30000");
    expect(Buffer.from(idBlock.idAuth, "base64").length).toBe(4096);
  });
  test("--igvm → the IGVM digest; --vcpus below its VP contexts → exit 3; --vcpu-type → exit 2", async () => {
    const igvm = buildIgvm([
      { kind: "platform", mask: 1, platformType: 2 },
      { kind: "page", gpa: 0x1000, mask: 1, data: new Uint8Array(10).fill(1) },
      { kind: "vp", gpa: 0xffffffff000, mask: 1, vpIndex: 0, data: new Uint8Array(4096).fill(2) },
    ]);
    const file = join(DIR, "guest.igvm");
    writeFileSync(file, igvm);
    const r = await run("snp", "--igvm", file, "--json");
    expect(JSON.parse(r.stdout)).toMatchObject({
      launchDigest: toHex(computeIgvmSnpLaunchDigest(igvm).launchDigest),
      measuredVmsas: 1,
    });
    expect((await run("snp", "--igvm", file, "--vcpu-type", "EPYC")).code).toBe(2);
  });
  test("kernel with OvmfX64 (err-1) → exit 3 and the code on stderr", async () => {
    const r = await run("snp", "--ovmf", X64, "--vcpu-type", "EPYC-v4", "--kernel", EMPTY);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("(snp_kernel_hashes_unsupported)");
    expect(r.stdout).toBe("");
  });
  const usage: [string, string[]][] = [
    ["no --vcpu-type with qemu", ["--ovmf", AMDSEV]],
    ["both --ovmf and --igvm", ["--ovmf", AMDSEV, "--igvm", AMDSEV, "--vcpu-type", "EPYC"]],
    ["--append without --kernel", ["--ovmf", AMDSEV, "--vcpu-type", "EPYC", "--append", "x"]],
    ["bad --guest-features", ["--ovmf", AMDSEV, "--vcpu-type", "EPYC", "--guest-features", "zz"]],
    ["bad --vmm", ["--ovmf", AMDSEV, "--vmm", "xen"]],
  ];
  for (const [name, args] of usage) {
    test(`${name} → exit 2`, async () => expect((await run("snp", ...args)).code).toBe(2));
  }
  test("missing file → exit 3", async () => {
    expect((await run("snp", "--ovmf", join(DIR, "nope"), "--vcpu-type", "EPYC")).code).toBe(3);
  });
});

describe("measure tdx", () => {
  test("synthetic TDVF image → MRTD hex, page order in JSON", async () => {
    const file = join(DIR, "tdvf.fd");
    writeFileSync(
      file,
      buildTdvfImage(0x4000, [
        {
          dataOffset: 0,
          rawDataSize: 0x1000,
          memoryAddress: 0xffffc000,
          memoryDataSize: 0x1000,
          type: 0,
          attributes: 1,
        },
      ]),
    );
    const plain = await run("tdx", "--ovmf", file);
    expect(plain.stdout).toMatch(/^[0-9a-f]{96}\n$/);
    const json = JSON.parse((await run("tdx", "--ovmf", file, "--page-order", "two-pass", "--json")).stdout);
    expect(json.pageOrder).toBe("two-pass");
    expect(json.mrtd).toMatch(/^[0-9a-f]{96}$/);
  });
  test("bad --page-order → exit 2", async () => {
    expect((await run("tdx", "--ovmf", AMDSEV, "--page-order", "x")).code).toBe(2);
  });
});
