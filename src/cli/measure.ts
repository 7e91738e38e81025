// `contrast measure snp|tdx`: launch measurements computed from the firmware, kernel and IGVM files a runtime launches.

import { readFileSync } from "node:fs";
import type { CAC } from "cac";
import { registerGroup, runAction } from "../command/command.ts";
import { toBase64, toHex } from "../common/bytes.ts";
import { ConfigError, UsageError } from "../common/errors.ts";
import { computeIgvmSnpLaunchDigest } from "../measure/igvm/igvm-snp-digest.ts";
import { buildSnpIdBlock, type SnpIdBlock } from "../measure/snp/id-block.ts";
import { parseP384PrivateKeyPem } from "../measure/snp/p384-private-key.ts";
import { computeSnpLaunchDigest } from "../measure/snp/snp-launch-digest.ts";
import { resolveVcpuSignature } from "../measure/snp/vcpu-types.ts";
import { VMM_TYPES, type VmmType } from "../measure/snp/vmsa.ts";
import { computeMrtd, MRTD_PAGE_ORDERS, type MrtdPageOrder } from "../measure/tdx/mrtd.ts";

/** Default guest policy for ID blocks: SMT allowed + the reserved must-be-one bit 17. */
const DEFAULT_ID_POLICY = "0x30000";

function readInput(path: unknown, flag: string): Uint8Array {
  if (typeof path !== "string" || path === "")
    throw new UsageError("missing_argument", `${flag}: expected a file path`);
  try {
    return new Uint8Array(readFileSync(path));
  } catch (cause) {
    throw new ConfigError("unreadable_file", `${flag}: cannot read ${JSON.stringify(path)}`, {
      field: flag,
      cause,
    });
  }
}

function parseCount(raw: unknown, flag: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = typeof raw === "string" && /^\d{1,6}$/.test(raw) ? Number(raw) : Number.NaN;
  if (n < 1 || Number.isNaN(n))
    throw new UsageError(
      "invalid_argument",
      `${flag}: expected a positive integer, got ${JSON.stringify(raw)}`,
    );
  return n;
}

function parseHexU64(raw: string | undefined, flag: string, fallback: string): bigint {
  const text = raw ?? fallback;
  if (!/^(0x)?[0-9a-f]{1,16}$/i.test(text))
    throw new UsageError(
      "invalid_argument",
      `${flag}: expected hex up to 64 bits, got ${JSON.stringify(text)}`,
    );
  return BigInt(text.toLowerCase().startsWith("0x") ? text : `0x${text}`);
}

function hex64(v: bigint | number): string {
  return `0x${v.toString(16)}`;
}

interface SnpFlags {
  ovmf?: string;
  append?: string;
  vcpuType?: string;
  guestFeatures?: string;
  policy?: string;
  igvm?: string;
  kernel?: string;
  initrd?: string;
  vcpus?: unknown;
  vmm?: string;
  idKey?: string;
  authorKey?: string;
  nativeZero?: boolean;
  json?: boolean;
}

/** `measure snp`: SNP launch digest from --ovmf (+ kernel) or --igvm, optionally with a signed ID block. */
function runSnp(flags: SnpFlags): number {
  if ((flags.ovmf === undefined) === (flags.igvm === undefined))
    throw new UsageError("invalid_argument", "expected exactly one of --ovmf or --igvm");
  const vcpus = parseCount(flags.vcpus, "--vcpus", 1);
  const out: Record<string, unknown> = {};
  let digest: Uint8Array;
  if (flags.igvm !== undefined) {
    for (const f of ["kernel", "initrd", "append", "vcpuType", "guestFeatures", "vmm"] as const) {
      if (flags[f] !== undefined)
        throw new UsageError(
          "invalid_argument",
          `--${f.replaceAll(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: not applicable with --igvm (the file defines pages and VMSAs)`,
        );
    }
    const m = computeIgvmSnpLaunchDigest(readInput(flags.igvm, "--igvm"), {
      nativeZero: flags.nativeZero === true,
    });
    if (vcpus < m.vmsaCount)
      throw new ConfigError(
        "invalid_vcpus",
        `--vcpus: expected at least the ${m.vmsaCount} VP contexts in the igvm file, got ${vcpus}`,
      );
    digest = m.launchDigest;
    Object.assign(out, { launchDigest: toHex(digest), source: "igvm", vcpus, measuredVmsas: m.vmsaCount });
  } else {
    const vmm = (flags.vmm ?? "qemu") as VmmType;
    if (!VMM_TYPES.includes(vmm))
      throw new UsageError(
        "invalid_argument",
        `--vmm: expected qemu|ec2|gce, got ${JSON.stringify(flags.vmm)}`,
      );
    const vcpuType = flags.vcpuType;
    if (vcpuType === undefined && vmm === "qemu")
      throw new UsageError(
        "missing_argument",
        "--vcpu-type: required with --vmm qemu (e.g. EPYC-Milan, EPYC-Genoa)",
      );
    const vcpuSignature = vcpuType === undefined ? 0 : resolveVcpuSignature(vcpuType);
    const guestFeatures = parseHexU64(flags.guestFeatures, "--guest-features", "0x1");
    const append = flags.append;
    if (flags.kernel === undefined && (flags.initrd !== undefined || append !== undefined)) {
      throw new UsageError("invalid_argument", "--initrd/--append: expected together with --kernel");
    }
    const kernel =
      flags.kernel === undefined
        ? undefined
        : {
            kernel: readInput(flags.kernel, "--kernel"),
            initrd: flags.initrd === undefined ? undefined : readInput(flags.initrd, "--initrd"),
            cmdline: append,
          };
    digest = computeSnpLaunchDigest(readInput(flags.ovmf, "--ovmf"), {
      vcpus,
      vcpuSignature,
      guestFeatures,
      vmm,
      kernel,
    });
    Object.assign(out, {
      launchDigest: toHex(digest),
      source: "ovmf",
      vcpus,
      vcpuType: vcpuType ?? null,
      vcpuSignature: hex64(vcpuSignature),
      guestFeatures: hex64(guestFeatures),
      vmm,
    });
  }
  if (flags.idKey !== undefined) out.idBlock = describeIdBlock(makeIdBlock(digest, flags));
  printResult(out, flags.json === true);
  return 0;
}

function makeIdBlock(digest: Uint8Array, flags: SnpFlags): SnpIdBlock & { policy: bigint } {
  const policy = parseHexU64(flags.policy, "--policy", DEFAULT_ID_POLICY);
  const idKey = parseP384PrivateKeyPem(
    new TextDecoder().decode(readInput(flags.idKey, "--id-key")),
    "--id-key",
  );
  const authorKey =
    flags.authorKey === undefined
      ? undefined
      : parseP384PrivateKeyPem(
          new TextDecoder().decode(readInput(flags.authorKey, "--author-key")),
          "--author-key",
        );
  return { ...buildSnpIdBlock({ launchDigest: digest, policy }, idKey, authorKey), policy };
}

function describeIdBlock(b: SnpIdBlock & { policy: bigint }): Record<string, string> {
  const d: Record<string, string> = {
    policy: hex64(b.policy),
    idBlock: toBase64(b.idBlock),
    idAuth: toBase64(b.idAuth),
    idKeyDigest: toHex(b.idKeyDigest),
  };
  if (b.authorKeyDigest) d.authorKeyDigest = toHex(b.authorKeyDigest);
  return d;
}

/** Plain output: the digest alone on the first line (scriptable), then `name: value` lines for ID block values. */
function printResult(out: Record<string, unknown>, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  const digest = out.launchDigest ?? out.mrtd;
  let text = `${String(digest)}\n`;
  const id = out.idBlock as Record<string, string> | undefined;
  if (id) for (const [k, v] of Object.entries(id)) text += `${k}: ${v}\n`;
  process.stdout.write(text);
}

function runTdx(flags: { ovmf?: string; pageOrder?: string; json?: boolean }): number {
  const pageOrder = (flags.pageOrder ?? "single-pass") as MrtdPageOrder;
  if (!MRTD_PAGE_ORDERS.includes(pageOrder)) {
    throw new UsageError(
      "invalid_argument",
      `--page-order: expected single-pass|two-pass, got ${JSON.stringify(flags.pageOrder)}`,
    );
  }
  const mrtd = computeMrtd(readInput(flags.ovmf, "--ovmf"), { pageOrder });
  printResult({ mrtd: toHex(mrtd), pageOrder }, flags.json === true);
  return 0;
}

export function registerMeasure(cli: CAC): void {
  registerGroup(cli, "measure", "compute SEV-SNP launch digests and TDX MRTDs from firmware files", (sub) => {
    sub
      .command("snp", "SEV-SNP launch digest (MEASUREMENT) from --ovmf [--kernel …] or --igvm")
      .example("  contrast measure snp --igvm kata-containers.igvm --vcpus 2")
      .example(
        "  contrast measure snp --ovmf OVMF.fd --kernel vmlinuz --initrd initrd.img --append 'console=ttyS0' --vcpu-type EPYC-Milan",
      )
      .option("--ovmf <file>", "OVMF firmware image (OVMF.fd)")
      .option("--igvm <file>", "IGVM file instead of OVMF")
      .option("--kernel <file>", "kernel measured through the SEV hash table (needs an AmdSev OVMF)")
      .option("--initrd <file>", "initrd (with --kernel)")
      .option("--append <cmdline>", "kernel command line (with --kernel)")
      .option("--vcpus <n>", "number of vCPUs (default 1)")
      .option(
        "--vcpu-type <type>",
        "EPYC, EPYC-v1..v4, EPYC-Rome, EPYC-Milan, EPYC-Genoa, EPYC-Turin, Milan, Genoa, Turin or 0x signature",
      )
      .option("--guest-features <hex>", "SEV_FEATURES of the VMSAs (default 0x1)")
      .option("--vmm <type>", "qemu|ec2|gce (default qemu)")
      .option("--native-zero", "igvm: measure data-less pages as ZERO pages")
      .option("--id-key <pem>", "P-384 ID key: also print the signed ID block, ID auth and ID_KEY_DIGEST")
      .option("--author-key <pem>", "P-384 author key signing the ID key (with --id-key)")
      .option("--policy <hex>", `guest policy in the ID block (default ${DEFAULT_ID_POLICY})`)
      .option("--json", "print a JSON object")
      .action((flags: SnpFlags) => runAction(() => runSnp(flags)));
    sub
      .command("tdx", "TDX MRTD from a TDVF/OVMF image")
      .example("  contrast measure tdx --ovmf OVMF.fd")
      .example("  contrast measure tdx --ovmf OVMF.fd --page-order two-pass --json")
      .option("--ovmf <file>", "TDVF/OVMF firmware image")
      .option("--page-order <order>", "single-pass (QEMU ≥ 9, default) or two-pass (QEMU 8.x)")
      .option("--json", "print a JSON object")
      .action((flags: { ovmf?: string; pageOrder?: string; json?: boolean }) =>
        runAction(() => runTdx(flags)),
      );
  });
}
