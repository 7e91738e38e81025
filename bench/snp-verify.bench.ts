// Benchmark: SnpVerifier.verify with a cached chain on a real report vs raw WebCrypto ECDSA P-384 verify, same run.
// Run: node_modules/.bin/bun run bench/snp-verify.bench.ts   (target: ratio ≥ 0.5)
import "reflect-metadata";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";
import { parseSnpReport } from "../src/attestation/snp/abi.ts";
import { reportSignatureP1363, signedBytes } from "../src/attestation/snp/report-signature.ts";
import { SnpVerifier } from "../src/attestation/snp/verify.ts";
import { reportFigures } from "./lib/report.ts";

const SNP = join(import.meta.dir, "..", "test", "testdata", "attestation", "snp");
const report = new Uint8Array(readFileSync(join(SNP, "milan_v2_virtee_report.bin")));
const leaf = new Uint8Array(readFileSync(join(SNP, "milan_v2_virtee_vcek.der")));
const now = new Date("2026-06-01T00:00:00Z");
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);

async function rate(name: string, op: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 50; i++) await op(); // warm-up (fills the verifier cache, JIT)
  const end = performance.now() + SECONDS * 1000;
  let n = 0;
  const start = performance.now();
  while (performance.now() < end) {
    await op();
    n++;
  }
  const perSecond = n / ((performance.now() - start) / 1000);
  console.log(`${name.padEnd(44)} ${perSecond.toFixed(0).padStart(7)} /s  (${n} ops)`);
  return perSecond;
}

const parsed = parseSnpReport(report);
const key = await crypto.subtle.importKey(
  "spki",
  new x509.X509Certificate(leaf).publicKey.rawData,
  { name: "ECDSA", namedCurve: "P-384" },
  false,
  ["verify"],
);
const sig = reportSignatureP1363(parsed) as Uint8Array<ArrayBuffer>;
const msg = signedBytes(parsed.raw) as Uint8Array<ArrayBuffer>;
const raw = await rate("baseline: raw WebCrypto ECDSA P-384 verify", async () => {
  if (!(await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-384" }, key, sig, msg)))
    throw new Error("raw verify failed");
});
const verifier = new SnpVerifier();
// No AMD CRL exists in the testdata: the report is verified with revocation reported, not required.
const revocation = { allowUnchecked: true };
const full = await rate("SnpVerifier.verify (cached chain)", () =>
  verifier.verify({ revocation, report, leaf, now }),
);
reportFigures("SNP report verification (in-process)", [
  {
    name: "SnpVerifier.verify with a cached chain",
    value: full,
    unit: "/s",
    baseline: { name: "raw WebCrypto P-384 verify", value: raw },
    target: "≥ 0.5× baseline",
    met: full >= 0.5 * raw,
  },
]);
