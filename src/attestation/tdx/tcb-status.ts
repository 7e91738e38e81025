// Evaluates the TCB status of a verified quote against TCB info and QE identity (Intel PCS API v4 TCB info, evaluated as Intel's QVL does):
// platform level, TDX module identity level, QE level, combined so that the worst wins.

import { constantTimeEqual, toHex } from "../../common/bytes.ts";
import type { VerificationCode } from "../../common/codes.ts";
import { PolicyError, VerificationError } from "../../common/errors.ts";
import type {
  IsvTcbLevel,
  TcbStatus,
  TdQeIdentity,
  TdxPlatformTcbLevel,
  TdxTcbInfo,
} from "./collateral-types.ts";
import type { PckExtension } from "./pck-extension.ts";
import type { SgxQeReport, TdxTdReportBody } from "./quote-types.ts";

/**
 * Severity order, best first. `Revoked` is worst; the configuration statuses rank below `OutOfDate`
 * because they need an operator change, not a TCB recovery.
 */
export const TCB_STATUS_SEVERITY: Readonly<Record<TcbStatus, number>> = {
  UpToDate: 0,
  SWHardeningNeeded: 1,
  ConfigurationNeeded: 2,
  ConfigurationAndSWHardeningNeeded: 3,
  OutOfDate: 4,
  OutOfDateConfigurationNeeded: 5,
  Revoked: 6,
};

export interface TdxTcbStatus {
  readonly platform: TcbStatus;
  /** Null for TDX 1.0 modules (TEE_TCB_SVN[1] = 0) or TCB info without module identities. */
  readonly module: TcbStatus | null;
  readonly qe: TcbStatus;
  readonly combined: TcbStatus;
  /** Advisory IDs of every selected level, deduplicated, in order of appearance. */
  readonly advisoryIds: readonly string[];
  /** The smaller of the two collateral evaluation data numbers (Intel PCS API v4). */
  readonly tcbEvaluationDataNumber: number;
}

/**
 * Worst of two statuses. Like Intel's QVL, an out-of-date component together with a configuration
 * finding yields `OutOfDateConfigurationNeeded`, which is worse than either.
 */
export function combineTcbStatus(a: TcbStatus, b: TcbStatus): TcbStatus {
  const config = (s: TcbStatus) => s === "ConfigurationNeeded" || s === "ConfigurationAndSWHardeningNeeded";
  if ((a === "OutOfDate" && config(b)) || (b === "OutOfDate" && config(a)))
    return "OutOfDateConfigurationNeeded";
  return TCB_STATUS_SEVERITY[a] >= TCB_STATUS_SEVERITY[b] ? a : b;
}

function unsupported(field: string, what: string): never {
  throw new PolicyError(
    "tdx_tcb_unsupported",
    `${field}: no tcb level matches ${what}`,
    [`${field}: tcb not supported`],
    {
      field,
    },
  );
}

function u64le(v: bigint): Uint8Array {
  const out = new Uint8Array(8);
  for (let i = 0; i < 8; i++) out[i] = Number((v >> BigInt(8 * i)) & 0xffn);
  return out;
}

function maskedEqual(value: Uint8Array, mask: Uint8Array, expected: Uint8Array): boolean {
  if (value.length !== mask.length || mask.length !== expected.length) return false;
  const masked = value.map((b, i) => b & mask[i]!);
  return constantTimeEqual(masked, expected);
}

function mismatch(code: VerificationCode, field: string, expected: string, got: string): never {
  throw new VerificationError(code, `${field}: expected ${expected}, got ${got}`, { field });
}

/** TCB level (Intel PCS API v4 TCB info, as Intel's QVL selects it): the first level whose SGX comps, PCESVN and TDX comps are all ≤ the platform's. */
function selectPlatformLevel(
  tcbInfo: TdxTcbInfo,
  body: TdxTdReportBody,
  pck: PckExtension,
): TdxPlatformTcbLevel {
  const svn = body.teeTcbSvn;
  // TDX 1.5+ (module major > 0) is judged by its module identity; without identities in the tcbInfo the
  // old rule applies, which then demands an exact module-major match (deny by default).
  const tdx15 = svn[1]! > 0 && tcbInfo.tdxModuleIdentities.length > 0;
  const first = tdx15 ? 2 : 0;
  const level = tcbInfo.tcbLevels.find(
    (l) =>
      l.sgxTcbComponents.every((s, i) => (pck.tcb.sgxTcbComponents[i] ?? 0) >= s) &&
      pck.tcb.pceSvn >= l.pceSvn &&
      l.tdxTcbComponents.every((s, i) => i < first || svn[i]! >= s) &&
      // Older TDX 1.0 rule: the level's module major version must equal the quote's.
      (tdx15 || l.tdxTcbComponents[1] === svn[1]),
  );
  return level ?? unsupported("tcbInfo.tcbLevels", `pck tcb and TEE_TCB_SVN ${toHex(svn)}`);
}

function selectIsvLevel(levels: readonly IsvTcbLevel[], isvSvn: number, field: string): IsvTcbLevel {
  return levels.find((l) => l.isvSvn <= isvSvn) ?? unsupported(field, `isvsvn ${isvSvn}`);
}

/** TDX module identity `TDX_%02X` of TEE_TCB_SVN[1]; null when the module is TDX 1.0. */
function selectModuleLevel(tcbInfo: TdxTcbInfo, body: TdxTdReportBody): IsvTcbLevel | null {
  const major = body.teeTcbSvn[1]!;
  if (major === 0 || tcbInfo.tdxModuleIdentities.length === 0) return null;
  const id = `TDX_${major.toString(16).toUpperCase().padStart(2, "0")}`;
  const identity = tcbInfo.tdxModuleIdentities.find((m) => m.id === id);
  if (identity === undefined) unsupported("tcbInfo.tdxModuleIdentities", `module ${id}`);
  if (!constantTimeEqual(identity.mrSigner, body.mrSignerSeam)) {
    mismatch(
      "tdx_module_identity_mismatch",
      `${id}.mrsigner`,
      toHex(identity.mrSigner),
      toHex(body.mrSignerSeam),
    );
  }
  if (!maskedEqual(u64le(body.seamAttributes), identity.attributesMask, identity.attributes)) {
    mismatch(
      "tdx_module_identity_mismatch",
      `${id}.attributes`,
      toHex(identity.attributes),
      toHex(u64le(body.seamAttributes)),
    );
  }
  return selectIsvLevel(identity.tcbLevels, body.teeTcbSvn[0]!, `${id}.tcbLevels`);
}

/** google/go-tdx-guest verify, as Intel's QVL: collateral must belong to this platform and its TDX module signer. */
function checkPlatformMatch(tcbInfo: TdxTcbInfo, body: TdxTdReportBody, pck: PckExtension): void {
  if (tcbInfo.fmspc !== toHex(pck.fmspc))
    mismatch("tdx_collateral_mismatch", "tcbInfo.fmspc", toHex(pck.fmspc), tcbInfo.fmspc);
  if (tcbInfo.pceId !== toHex(pck.pceId))
    mismatch("tdx_collateral_mismatch", "tcbInfo.pceId", toHex(pck.pceId), tcbInfo.pceId);
  const m = tcbInfo.tdxModule;
  if (!constantTimeEqual(m.mrSigner, body.mrSignerSeam)) {
    mismatch(
      "tdx_module_identity_mismatch",
      "tcbInfo.tdxModule.mrsigner",
      toHex(m.mrSigner),
      toHex(body.mrSignerSeam),
    );
  }
  if (!maskedEqual(u64le(body.seamAttributes), m.attributesMask, m.attributes)) {
    mismatch(
      "tdx_module_identity_mismatch",
      "tcbInfo.tdxModule.attributes",
      toHex(m.attributes),
      toHex(u64le(body.seamAttributes)),
    );
  }
}

/** QE TCB level (Intel PCS API v4 QE identity, as Intel's QVL selects it): identity checks, then the first level with isvsvn ≤ the QE's. */
function selectQeLevel(qe: TdQeIdentity, report: SgxQeReport): IsvTcbLevel {
  if (!constantTimeEqual(qe.mrSigner, report.mrSigner)) {
    mismatch(
      "tdx_qe_identity_mismatch",
      "enclaveIdentity.mrsigner",
      toHex(qe.mrSigner),
      toHex(report.mrSigner),
    );
  }
  if (qe.isvProdId !== report.isvProdId) {
    mismatch(
      "tdx_qe_identity_mismatch",
      "enclaveIdentity.isvprodid",
      String(qe.isvProdId),
      String(report.isvProdId),
    );
  }
  if ((report.miscSelect & qe.miscselectMask) >>> 0 !== qe.miscselect >>> 0) {
    mismatch(
      "tdx_qe_identity_mismatch",
      "enclaveIdentity.miscselect",
      qe.miscselect.toString(16),
      report.miscSelect.toString(16),
    );
  }
  if (!maskedEqual(report.attributes, qe.attributesMask, qe.attributes)) {
    mismatch(
      "tdx_qe_identity_mismatch",
      "enclaveIdentity.attributes",
      toHex(qe.attributes),
      toHex(report.attributes),
    );
  }
  return selectIsvLevel(qe.tcbLevels, report.isvSvn, "enclaveIdentity.tcbLevels");
}

export interface TcbEvaluationInput {
  readonly body: TdxTdReportBody;
  readonly qeReport: SgxQeReport;
  readonly pck: PckExtension;
  readonly tcbInfo: TdxTcbInfo;
  readonly qeIdentity: TdQeIdentity;
}

/**
 * Pure TCB evaluation. Throws VerificationError when the collateral does not belong to this
 * platform/QE/module and PolicyError `tdx_tcb_unsupported` when no level matches.
 */
export function evaluateTdxTcbStatus(input: TcbEvaluationInput): TdxTcbStatus {
  const { body, qeReport, pck, tcbInfo, qeIdentity } = input;
  checkPlatformMatch(tcbInfo, body, pck);
  const platform = selectPlatformLevel(tcbInfo, body, pck);
  const module = selectModuleLevel(tcbInfo, body);
  const qe = selectQeLevel(qeIdentity, qeReport);
  const levels = [platform, module, qe].filter((l): l is NonNullable<typeof l> => l !== null);
  const combined = levels.map((l) => l.tcbStatus).reduce(combineTcbStatus);
  return {
    platform: platform.tcbStatus,
    module: module?.tcbStatus ?? null,
    qe: qe.tcbStatus,
    combined,
    advisoryIds: [...new Set(levels.flatMap((l) => l.advisoryIds))],
    tcbEvaluationDataNumber: Math.min(tcbInfo.tcbEvaluationDataNumber, qeIdentity.tcbEvaluationDataNumber),
  };
}
