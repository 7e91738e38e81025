// `contrast attestation verify`: verification of an SNP report or a TDX quote file with the vendors' collateral and
// CRLs (issue A §5, issue 10 §3).

import type { CAC } from "cac";
import { createCollateralClients, readCollateralEndpoints } from "../attestation/collateral-endpoints.ts";
import { createKdsCrlSource } from "../attestation/snp/crl-source.ts";
import { createCliContext, errorJson, registerGroup, runAction } from "../command/command.ts";
import { exitCodeFor } from "../command/exit-codes.ts";
import { ContrastError, PolicyError, UsageError } from "../common/errors.ts";
import { parseReferenceValues } from "../manifest/parse-reference-values.ts";
import type { ReferenceValues } from "../manifest/schema.ts";
import { filePath, parseNow, readInputFile } from "./attestation-input.ts";
import { type SummarySink, verifySnpFiles } from "./attestation-snp.ts";
import { formatHumanSummary, type Summary } from "./attestation-summary.ts";
import { type TdxCollateralSource, verifyTdxFiles } from "./attestation-tdx.ts";
import { cacheDir, SIM_MANIFEST_WARNING } from "./cli-verifier.ts";

/** Where the command writes and what it reads from its surroundings; tests pass their own. */
export interface AttestationIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Record<string, string | undefined>;
  readonly clock: () => Date;
}

const processIo: AttestationIo = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  env: process.env,
  clock: () => new Date(),
};

interface VerifyFlags {
  readonly [flag: string]: unknown;
  readonly json?: boolean;
  readonly collateral?: boolean;
  readonly allowMissingCrl?: boolean;
}

const SNP_ONLY = ["cert", "chain", "crl"] as const;
const TDX_ONLY = ["tcbInfo", "qeIdentity", "tcbSigningChain", "pckCrl", "rootCrl"] as const;

const EXAMPLES = [
  "  contrast attestation verify --snp-report report.bin --cert vcek.der [--chain cert_chain.pem] --json",
  "  contrast attestation verify --tdx-quote quote.dat --no-collateral --now 2026-02-10T00:00:00Z",
  "  contrast attestation verify --tdx-quote quote.dat --tcb-info tcbinfo.json --qe-identity qe.json \\\n      --tcb-signing-chain tcb_signing_chain.pem --reference-values rv.json",
];

const NOTES = `Without --reference-values only signatures, certificate chains, CRLs and collateral (TCB status UpToDate) are checked.
Revocation is always checked: SNP fetches the CRL of the chain's ARK from AMD KDS (CONTRAST_KDS_URL; a simulated ARK's
from CONTRAST_SIM_KDS_URL) and checks --crl as well, never instead; TDX fetches the PCK and root CA CRLs from Intel PCS
unless --pck-crl/--root-crl are given. No current CRL → exit 6, unless --allow-missing-crl (warned).
TDX quotes without collateral flags fetch collateral from Intel PCS (CONTRAST_PCS_URL overrides the base URL,
CONTRAST_CACHE_DIR the cache). JSON hex is lowercase; tdAttributes and xfam are the quote's little-endian bytes.`;

const ALLOW_MISSING_CRL_WARNING =
  "warning: --allow-missing-crl: a report is accepted even when no current CRL can be had, so a revoked key may pass";

export function registerAttestation(cli: CAC, io: AttestationIo = processIo): void {
  registerGroup(
    cli,
    "attestation",
    "verify an SEV-SNP report or a TDX quote against vendor roots and CRLs",
    (sub) => {
      const verify = sub
        .command(
          "verify",
          "verify an SNP report (--snp-report) or a TDX quote (--tdx-quote) and print its fields",
        )
        .option("--snp-report <file>", "SEV-SNP attestation report (1184 bytes, raw)")
        .option("--cert <file>", "SNP: the VCEK or VLEK that signed the report (DER or PEM)")
        .option("--chain <file>", "SNP: KDS cert_chain PEM (ASK/ASVK, then ARK) instead of the embedded one")
        .option(
          "--crl <file>",
          "SNP: KDS CRL signed by the ARK (DER or PEM), checked besides the one fetched from KDS",
        )
        .option("--tdx-quote <file>", "TDX quote v4 or v5 (raw)")
        .option("--tcb-info <file>", "TDX: PCS TCB info JSON for the quote's FMSPC")
        .option("--qe-identity <file>", "TDX: PCS TD QE identity JSON")
        .option("--tcb-signing-chain <file>", "TDX: PEM TCB-signing chain PCS sent with the collateral")
        .option("--pck-crl <file>", "TDX: PCK CRL (DER) of the quote's PCK CA")
        .option("--root-crl <file>", "TDX: Intel SGX Root CA CRL (DER)")
        .option("--no-collateral", "TDX: check signatures, chain and CRLs only; the TCB status is null")
        .option(
          "--allow-missing-crl",
          "accept when no current CRL can be fetched or was given (warned; a listed key is still refused)",
        )
        .option("--now <time>", "verification time, RFC 3339 (default: now)")
        .option(
          "--reference-values <file>",
          'JSON {"snp": […], "tdx": […]} in the manifest reference-value schema',
        )
        .option("--json", "print one JSON object to stdout, also on failure")
        .usage("verify [flags]")
        .action((flags: VerifyFlags) => runAction(() => runVerify(flags, io)));
      for (const e of [...EXAMPLES, `\n${NOTES}`]) verify.example(e);
      // cac gives `--no-x` a default of true and prints it as "(default: true)"; absent simply means "use collateral".
      for (const o of verify.options) if (o.negated) o.config.default = undefined;
    },
  );
}

/** Runs the command; every failure becomes an exit code (and, with --json, an `error` member). */
export async function runVerify(flags: VerifyFlags, io: AttestationIo): Promise<number> {
  const sink: SummarySink = {};
  try {
    const ctx = createCliContext(flags.logLevel, io.env);
    const summary = await verifyWithFlags(flags, ctx.env, io, sink);
    for (const w of (summary.warnings as string[] | undefined) ?? []) io.stderr(`warning: ${w}\n`);
    io.stdout(flags.json === true ? `${JSON.stringify(summary, null, 2)}\n` : formatHumanSummary(summary));
    return 0;
  } catch (err) {
    writeFailure(err, flags.json === true, sink, io);
    return exitCodeFor(err);
  }
}

/** Flags → one request; every usage error is raised before any file is read. */
async function verifyWithFlags(
  flags: VerifyFlags,
  env: Readonly<Record<string, string | undefined>>,
  io: AttestationIo,
  sink: SummarySink,
): Promise<Summary> {
  const snpReport = filePath(flags.snpReport, "--snp-report");
  const tdxQuote = filePath(flags.tdxQuote, "--tdx-quote");
  if ((snpReport === undefined) === (tdxQuote === undefined)) {
    throw new UsageError("missing_argument", "expected exactly one of --snp-report or --tdx-quote");
  }
  const clients = createCollateralClients({
    cacheDir: cacheDir(env),
    endpoints: readCollateralEndpoints(env),
    now: io.clock,
  });
  if (snpReport !== undefined) {
    rejectFlags(flags, TDX_ONLY, "snp");
    const certPath = filePath(flags.cert, "--cert");
    if (certPath === undefined) {
      throw new UsageError(
        "missing_argument",
        "--cert: expected the VCEK or VLEK file that signed the report",
      );
    }
    const paths = {
      ...opt("chainPath", filePath(flags.chain, "--chain")),
      ...opt("crlPath", filePath(flags.crl, "--crl")),
    };
    const common = commonInputs(flags, io);
    const crls = createKdsCrlSource({
      amd: clients.kds,
      ...(clients.simKds ? { simulated: clients.simKds } : {}),
      now: io.clock,
    });
    return verifySnpFiles({ reportPath: snpReport, certPath, ...paths, ...common, crls }, sink);
  }
  rejectFlags(flags, SNP_ONLY, "tdx");
  const collateral = collateralSource(flags);
  const paths = {
    ...opt("pckCrlPath", filePath(flags.pckCrl, "--pck-crl")),
    ...opt("rootCrlPath", filePath(flags.rootCrl, "--root-crl")),
  };
  const common = commonInputs(flags, io);
  return verifyTdxFiles({ quotePath: tdxQuote!, collateral, ...paths, ...common, pcs: clients.pcs }, sink);
}

/** `--now` (usage error when malformed), `--allow-missing-crl` (warned) and then the `--reference-values` file. */
function commonInputs(
  flags: VerifyFlags,
  io: AttestationIo,
): { now: Date; allowMissingCrl: boolean; referenceValues?: ReferenceValues } {
  const now = parseNow(flags.now, io.clock);
  const allowMissingCrl = flags.allowMissingCrl === true;
  if (allowMissingCrl) io.stderr(`${ALLOW_MISSING_CRL_WARNING}\n`);
  const referenceValues = readReferenceValues(flags, io);
  return referenceValues === undefined ? { now, allowMissingCrl } : { now, allowMissingCrl, referenceValues };
}

function opt<K extends string>(key: K, v: string | undefined): Partial<Record<K, string>> {
  return v === undefined ? {} : ({ [key]: v } as Record<K, string>);
}

function kebab(flag: string): string {
  return `--${flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

function rejectFlags(flags: VerifyFlags, names: readonly string[], platform: string): void {
  for (const n of names) {
    if (flags[n] !== undefined)
      throw new UsageError("invalid_argument", `${kebab(n)}: not applicable to a ${platform} report`);
  }
}

/** `--no-collateral`, the three collateral files together, or neither (fetch from PCS). */
function collateralSource(flags: VerifyFlags): TdxCollateralSource {
  const tcbInfoPath = filePath(flags.tcbInfo, "--tcb-info");
  const qeIdentityPath = filePath(flags.qeIdentity, "--qe-identity");
  const signingChainPath = filePath(flags.tcbSigningChain, "--tcb-signing-chain");
  const anyFile = [tcbInfoPath, qeIdentityPath, signingChainPath].some((p) => p !== undefined);
  if (flags.collateral === false) {
    if (anyFile)
      throw new UsageError(
        "invalid_argument",
        "--no-collateral: not applicable with --tcb-info, --qe-identity or --tcb-signing-chain",
      );
    return { kind: "none" };
  }
  if (!anyFile) return { kind: "pcs" };
  if (tcbInfoPath === undefined || qeIdentityPath === undefined)
    throw new UsageError("missing_argument", "--tcb-info and --qe-identity: expected both files, got one");
  if (signingChainPath === undefined) {
    throw new UsageError(
      "missing_argument",
      "--tcb-signing-chain: expected the PEM TCB-signing chain (PCS header TCB-Info-Issuer-Chain) with --tcb-info",
    );
  }
  return { kind: "files", tcbInfoPath, qeIdentityPath, signingChainPath };
}

function readReferenceValues(flags: VerifyFlags, io: AttestationIo): ReferenceValues | undefined {
  const path = filePath(flags.referenceValues, "--reference-values");
  if (path === undefined) return undefined;
  const rv = parseReferenceValues(readInputFile(path, "--reference-values"));
  if ((rv.snp ?? []).some((e) => e.SimulatedARK !== undefined)) io.stderr(`${SIM_MANIFEST_WARNING}\n`);
  return rv;
}

function writeFailure(err: unknown, json: boolean, sink: SummarySink, io: AttestationIo): void {
  const known = err instanceof ContrastError;
  const code = known ? err.code : "internal_error";
  const message = err instanceof Error ? err.message : String(err);
  const mismatches = err instanceof PolicyError ? err.mismatches : [];
  if (json) io.stdout(`${JSON.stringify({ ...sink.summary, error: errorJson(err) }, null, 2)}\n`);
  if (mismatches.length > 1) {
    io.stderr(
      `error: ${mismatches.length} mismatches (${code}):\n${mismatches.map((m) => `  - ${m}\n`).join("")}`,
    );
  } else {
    io.stderr(`error: ${message} (${code})\n`);
  }
  if (!known && err instanceof Error && io.env.CONTRAST_DEBUG_STACK) io.stderr(`${err.stack}\n`);
}
