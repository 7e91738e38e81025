// The `--json` objects and the human summary of `contrast attestation verify` (field names: issue A §5).

import type { SnpReport } from "../attestation/snp/abi.ts";
import type { SnpTcb } from "../attestation/snp/tcb.ts";
import { formatTcb } from "../attestation/snp/tcb.ts";
import type { TdxQuote } from "../attestation/tdx/quote-types.ts";
import type { TdxTcbStatus } from "../attestation/tdx/tcb-status.ts";
import { toHex } from "../common/bytes.ts";

export type Summary = Record<string, unknown>;

/** A TCB as `{fmc?, bootloader, tee, snp, microcode}` (the report's one TCB shape): `fmc` only in the Turin layout. */
function tcbJson(t: SnpTcb): SnpTcb {
  const base = { bootloader: t.bootloader, tee: t.tee, snp: t.snp, microcode: t.microcode };
  return t.fmc === undefined ? base : { fmc: t.fmc, ...base };
}

/** u64 as it sits in the report/quote: 8 little-endian bytes, hex (the manifest's Xfam format). */
function u64LeHex(v: bigint): string {
  const out = new Uint8Array(8);
  for (let i = 0; i < 8; i++) out[i] = Number((v >> BigInt(8 * i)) & 0xffn);
  return toHex(out);
}

export interface SnpSummaryInput {
  readonly report: SnpReport;
  /** Known after verification, or guessed from the report CPUID / certificate when verification failed. */
  readonly product: string | undefined;
}

/** Every field of the parsed report that a user needs to write reference values. */
export function summarizeSnp({ report: r, product }: SnpSummaryInput): Summary {
  const { raw: platformInfoRaw, ...platformFlags } = r.platformInfo;
  return {
    platform: "snp",
    version: r.version,
    product: product ?? null,
    signingKey: r.signerInfo.signingKey,
    measurement: toHex(r.measurement),
    reportData: toHex(r.reportData),
    hostData: toHex(r.hostData),
    chipId: toHex(r.chipId),
    vmpl: r.vmpl,
    guestSvn: r.guestSvn,
    policy: { ...r.policy },
    platformInfo: { ...platformFlags, raw: `0x${platformInfoRaw.toString(16)}` },
    reportedTcb: tcbJson(r.reportedTcb),
    committedTcb: tcbJson(r.committedTcb),
    launchTcb: tcbJson(r.launchTcb),
    currentTcb: tcbJson(r.currentTcb),
    idKeyDigest: toHex(r.idKeyDigest),
    authorKeyDigest: toHex(r.authorKeyDigest),
    familyId: toHex(r.familyId),
    imageId: toHex(r.imageId),
    currentVersion: `${r.currentVersion.major}.${r.currentVersion.minor}.${r.currentVersion.build}`,
    ...(r.cpuid ? { cpuid: { ...r.cpuid } } : {}),
    ...(r.launchMitVector === undefined ? {} : { launchMitVector: `0x${r.launchMitVector.toString(16)}` }),
    ...(r.currentMitVector === undefined ? {} : { currentMitVector: `0x${r.currentMitVector.toString(16)}` }),
  };
}

export interface TdxSummaryInput {
  readonly quote: TdxQuote;
  /** From the PCK certificate; null when it could not be read. */
  readonly fmspc: string | null;
  readonly tcbStatus: TdxTcbStatus | null;
}

export function summarizeTdx({ quote: q, fmspc, tcbStatus }: TdxSummaryInput): Summary {
  const b = q.body;
  return {
    platform: "tdx",
    version: q.header.version,
    mrTd: toHex(b.mrTd),
    rtmrs: b.rtmrs.map(toHex),
    mrSeam: toHex(b.mrSeam),
    mrSignerSeam: toHex(b.mrSignerSeam),
    mrConfigId: toHex(b.mrConfigId),
    mrOwner: toHex(b.mrOwner),
    mrOwnerConfig: toHex(b.mrOwnerConfig),
    reportData: toHex(b.reportData),
    tdAttributes: u64LeHex(b.tdAttributes),
    xfam: u64LeHex(b.xfam),
    teeTcbSvn: toHex(b.teeTcbSvn),
    fmspc,
    tcbStatus:
      tcbStatus === null
        ? null
        : {
            platform: tcbStatus.platform,
            module: tcbStatus.module,
            qe: tcbStatus.qe,
            combined: tcbStatus.combined,
          },
    ...(tcbStatus === null
      ? {}
      : {
          advisoryIds: [...tcbStatus.advisoryIds],
          tcbEvaluationDataNumber: tcbStatus.tcbEvaluationDataNumber,
        }),
  };
}

/** A few lines for a terminal: what was verified and the values a user compares first. */
export function formatHumanSummary(s: Summary): string {
  const lines: string[] = [];
  if (s.platform === "snp") {
    lines.push(
      `snp report verified: ${s.product}, signed by the ${s.signingKey}, report version ${s.version}`,
    );
    lines.push(`  measurement   ${s.measurement}`);
    lines.push(`  host data     ${s.hostData}`);
    lines.push(`  report data   ${s.reportData}`);
    lines.push(`  vmpl          ${s.vmpl}`);
    lines.push(`  reported tcb  ${formatTcb(s.reportedTcb as SnpTcb)}`);
  } else {
    const status = s.tcbStatus as { combined: string } | null;
    lines.push(`tdx quote verified: version ${s.version}, fmspc ${s.fmspc}`);
    lines.push(`  mrtd          ${s.mrTd}`);
    for (const [i, r] of (s.rtmrs as string[]).entries()) lines.push(`  rtmr${i}         ${r}`);
    lines.push(`  report data   ${s.reportData}`);
    lines.push(`  tcb status    ${status === null ? "not evaluated (no collateral)" : status.combined}`);
  }
  const revocation = s.revocation as { checked: boolean; crls?: string[] } | undefined;
  if (revocation !== undefined) {
    const from = revocation.crls ? ` (${revocation.crls.join(" and ")} crl)` : "";
    lines.push(`  revocation    ${revocation.checked ? `checked${from}` : "NOT CHECKED: no current crl"}`);
  }
  const matched = s.matchedReferenceValue;
  lines.push(
    typeof matched === "string"
      ? `  reference values: ${matched} matched`
      : "  reference values: not checked (no --reference-values)",
  );
  return `${lines.join("\n")}\n`;
}
