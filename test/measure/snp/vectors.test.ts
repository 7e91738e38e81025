// Every vector of test/testdata/measurement/vectors.json, dispatched on its algorithm, counted.

import { describe, expect, test } from "bun:test";
import { fromHex, toHex } from "../../../src/common/bytes.ts";
import { sha384 } from "../../../src/common/digest.ts";
import { ConfigError } from "../../../src/common/errors.ts";
import type { KernelInputs } from "../../../src/measure/snp/kernel-hashes.ts";
import {
  computeSevEsLaunchDigest,
  computeSevLaunchDigest,
} from "../../../src/measure/snp/sev-launch-digest.ts";
import { computeSnpLaunchDigest, computeSnpOvmfHash } from "../../../src/measure/snp/snp-launch-digest.ts";
import type { VmmType } from "../../../src/measure/snp/vmsa.ts";
import {
  digestSeparator,
  digestUefiVariable,
  EFI_GLOBAL_VARIABLE_GUID,
  EFI_IMAGE_SECURITY_DATABASE_GUID,
  replayRtmr,
} from "../../../src/measure/tdx/rtmr.ts";
import { loadFixture, loadVectors, type MeasurementVector } from "./testdata.ts";

const EXPECTED_VECTORS = 28;

function fileInput(v: string | null | undefined): Uint8Array | undefined {
  if (v === null || v === undefined) return undefined;
  if (v === "empty") return new Uint8Array(0);
  throw new Error(`unknown file input ${v}`);
}

function kernelOf(v: MeasurementVector): KernelInputs | undefined {
  const kernel = fileInput(v.kernel);
  if (kernel === undefined) return undefined;
  return { kernel, initrd: fileInput(v.initrd), cmdline: v.cmdline ?? undefined };
}

function snpDigest(v: MeasurementVector): string {
  const legacy = v.vmm === "ec2-rdx0";
  return toHex(
    computeSnpLaunchDigest(loadFixture(v.ovmf!), {
      vcpus: v.vcpus!,
      vcpuSignature: v.vcpu_sig ? Number(v.vcpu_sig) : 0,
      guestFeatures: BigInt(v.guest_features!),
      vmm: (legacy ? "ec2" : (v.vmm ?? "qemu")) as VmmType,
      ec2LegacyRdx: legacy,
      kernel: kernelOf(v),
      seed: v.seed_ld === undefined ? undefined : fromHex(v.seed_ld),
    }),
  );
}

const EFI_VARIABLES: Record<string, string> = {
  SecureBoot: EFI_GLOBAL_VARIABLE_GUID,
  PK: EFI_GLOBAL_VARIABLE_GUID,
  KEK: EFI_GLOBAL_VARIABLE_GUID,
  db: EFI_IMAGE_SECURITY_DATABASE_GUID,
  dbx: EFI_IMAGE_SECURITY_DATABASE_GUID,
};

/** Runs one vector; returns the number of digests compared. */
function runVector(v: MeasurementVector): number {
  switch (v.algorithm) {
    case "sev-snp-launch-digest":
      if (v.expected_error !== undefined) {
        expect(() => snpDigest(v)).toThrow(
          expect.objectContaining({ code: "snp_kernel_hashes_unsupported" }),
        );
        expect(() => snpDigest(v)).toThrow(ConfigError);
      } else expect(snpDigest(v)).toBe(v.expected as string);
      return 1;
    case "sev-snp-ovmf-hash":
      expect(toHex(computeSnpOvmfHash(loadFixture(v.ovmf!)))).toBe(v.expected as string);
      return 1;
    case "sev-es-launch-digest (sha256)":
      expect(
        toHex(
          computeSevEsLaunchDigest(loadFixture(v.ovmf!), {
            vcpus: v.vcpus!,
            vcpuSignature: Number(v.vcpu_sig),
            kernel: kernelOf(v),
          }),
        ),
      ).toBe(v.expected as string);
      return 1;
    case "sev-launch-digest (sha256)":
      expect(toHex(computeSevLaunchDigest(loadFixture(v.ovmf!), { kernel: kernelOf(v) }))).toBe(
        v.expected as string,
      );
      return 1;
    case "tdx-rtmr-extend": {
      const digests = Object.entries(EFI_VARIABLES).map(([name, guid]) => digestUefiVariable(guid, name));
      expect(toHex(replayRtmr([...digests, digestSeparator()]))).toBe(v.expected as string);
      return 1;
    }
    case "sha384(UEFI_VARIABLE_DATA, empty data)": {
      const expected = v.expected as Record<string, string>;
      for (const [name, guid] of Object.entries(EFI_VARIABLES))
        expect(toHex(digestUefiVariable(guid, name))).toBe(expected[name]!);
      return Object.keys(expected).length;
    }
    case "sha384(EFI_LOAD_OPTION)":
      expect(toHex(sha384(fromHex(v.input_hex!)))).toBe(v.expected as string);
      return 1;
    default:
      throw new Error(`vector ${v.id}: unhandled algorithm ${v.algorithm}`);
  }
}

describe("measurement vectors", () => {
  const vectors = loadVectors();
  for (const v of vectors) {
    test(`${v.id} → ${v.expected_error === undefined ? "expected digest" : "clear error"}`, () => {
      expect(runVector(v)).toBeGreaterThan(0);
    });
  }

  test(`all ${EXPECTED_VECTORS} vectors ran → none skipped`, () => {
    let ran = 0;
    for (const v of vectors) {
      runVector(v);
      ran++;
    }
    expect(ran).toBe(EXPECTED_VECTORS);
  });
});
