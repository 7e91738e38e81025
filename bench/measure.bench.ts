// Benchmark: SNP launch digest of a 4 MiB OVMF + 30 MiB initrd for 1–64 vCPUs vs plain SHA-384 of the same bytes.
// Run: bun run bench/measure.bench.ts

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { sha384 as nobleSha384 } from "@noble/hashes/sha2.js";
import { sha384 } from "../src/common/digest.ts";
import { computeSnpLaunchDigest } from "../src/measure/snp/snp-launch-digest.ts";
import { computeMrtd } from "../src/measure/tdx/mrtd.ts";
import { reportFigures } from "./lib/report.ts";

const MIB = 1024 * 1024;
const suffix = new Uint8Array(
  readFileSync(join(import.meta.dir, "..", "test", "testdata", "measurement", "ovmf_AmdSev_suffix.bin")),
);

/** 4 MiB image: deterministic filler in front of the real AmdSev suffix (footer, ASEV metadata, reset EIP). */
const ovmf = new Uint8Array(4 * MIB).map((_, i) => (i * 131 + 17) & 0xff);
ovmf.set(suffix, ovmf.length - suffix.length);
const initrd = new Uint8Array(30 * MIB).map((_, i) => (i * 7) & 0xff);
const kernel = { kernel: new Uint8Array(0), initrd, cmdline: "console=ttyS0" };
const sameBytes = new Uint8Array(ovmf.length + initrd.length);
sameBytes.set(ovmf);
sameBytes.set(initrd, ovmf.length);

function median(fn: () => unknown, runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(runs / 2)]!;
}

const baseMs = median(() => sha384(sameBytes), 7);
const nobleMs = median(() => nobleSha384(sameBytes), 3);
const mbps = (ms: number) => ((sameBytes.length / MIB / ms) * 1000).toFixed(0);
console.log(`input: 4 MiB OVMF + 30 MiB initrd (${(sameBytes.length / MIB).toFixed(0)} MiB), empty kernel`);
console.log(
  `baseline SHA-384 (Bun native) over the same bytes: ${baseMs.toFixed(1)} ms (${mbps(baseMs)} MiB/s)`,
);
console.log(
  `@noble/hashes SHA-384 over the same bytes:         ${nobleMs.toFixed(1)} ms (${mbps(nobleMs)} MiB/s, ${(nobleMs / baseMs).toFixed(1)}× native)`,
);
console.log("vcpus  launch digest ms  ratio to baseline");
const digestMs = new Map<number, number>();
for (const vcpus of [1, 2, 4, 8, 16, 32, 64]) {
  const ms = median(
    () =>
      computeSnpLaunchDigest(ovmf, {
        vcpus,
        vcpuSignature: 0xa10f10,
        guestFeatures: 1n,
        vmm: "qemu",
        kernel,
      }),
    7,
  );
  digestMs.set(vcpus, ms);
  console.log(
    `${String(vcpus).padStart(5)}  ${ms.toFixed(1).padStart(16)}  ${(ms / baseMs).toFixed(2).padStart(17)}`,
  );
}

// TDX: MRTD over a 4 MiB image whose last 3.5 MiB are an extended BFV (≈ 5.6 MB absorbed).
const tdvf = new Uint8Array(4 * MIB).map((_, i) => (i * 13) & 0xff);
const dv = new DataView(tdvf.buffer);
const desc = tdvf.length - 0x400;
dv.setUint32(desc, 0x46564454, true);
dv.setUint32(desc + 4, 48, true);
dv.setUint32(desc + 8, 1, true);
dv.setUint32(desc + 12, 1, true);
dv.setUint32(desc + 16, 0x80000, true);
dv.setUint32(desc + 20, 0x380000, true);
dv.setBigUint64(desc + 24, 0xffc80000n, true);
dv.setBigUint64(desc + 32, 0x380000n, true);
dv.setUint32(desc + 40, 0, true); // type BFV
dv.setUint32(desc + 44, 1, true); // MR_EXTEND
const footer = tdvf.length - 50;
dv.setUint32(footer - 22, 0x400, true);
dv.setUint16(footer - 18, 22, true);
tdvf.set(
  [0x35, 0x65, 0x7a, 0xe4, 0x4a, 0x98, 0x98, 0x47, 0x86, 0x5e, 0x46, 0x85, 0xa7, 0xbf, 0x8e, 0xc2],
  footer - 16,
);
dv.setUint16(footer, 40, true);
tdvf.set(
  [0xde, 0x82, 0xb5, 0x96, 0xb2, 0x1f, 0xf7, 0x45, 0xba, 0xea, 0xa3, 0x66, 0xc5, 0x5a, 0x08, 0x2d],
  footer + 2,
);
const bfv = tdvf.subarray(0x80000, 0x400000);
const bfvMs = median(() => sha384(bfv), 7);
const mrtdMs = median(() => computeMrtd(tdvf), 5);
console.log(
  `TDX MRTD of a 3.5 MiB BFV: ${mrtdMs.toFixed(1)} ms; SHA-384 of the same 3.5 MiB: ${bfvMs.toFixed(1)} ms; ratio ${(mrtdMs / bfvMs).toFixed(2)}`,
);
reportFigures("launch measurements", [
  ...[1, 64].map((vcpus) => ({
    name: `SNP launch digest, 34 MiB, ${vcpus} vCPU${vcpus > 1 ? "s" : ""}`,
    value: digestMs.get(vcpus) as number,
    unit: "ms",
    baseline: { name: "SHA-384 of the same bytes", value: baseMs },
  })),
  {
    name: "TDX MRTD of a 3.5 MiB BFV",
    value: mrtdMs,
    unit: "ms",
    baseline: { name: "SHA-384 of the same bytes", value: bfvMs },
  },
]);
