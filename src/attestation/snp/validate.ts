// Pure validation of a verified SNP report against reference values: every mismatch is reported (google/go-sev-guest validate, edgelesssys/contrast internal/attestation/snp).

import { constantTimeEqual, isAllZero, toHex } from "../../common/bytes.ts";
import type { SnpReport } from "./abi.ts";
import { type SnpTcb, tcbComponents } from "./tcb.ts";
import { checkValidateOptions, type SnpValidateOptions } from "./validate-options.ts";
import type { VerifiedSnpReport } from "./verify.ts";

export type {
  SnpGuestPolicyOptions,
  SnpPlatformInfoOptions,
  SnpValidateOptions,
} from "./validate-options.ts";

import { assertNoMismatches } from "../mismatches.ts";

type Out = string[];

/** Returns every mismatch between the report and `opts` (empty = valid). Throws only `ConfigError` for bad options. */
export function validateSnpReport(v: VerifiedSnpReport, opts: SnpValidateOptions): string[] {
  checkValidateOptions(opts);
  const out: Out = [];
  const r = v.report;
  if (opts.product !== undefined && v.product !== opts.product)
    out.push(`product: expected ${opts.product}, got ${v.product}`);
  const keys = opts.allowedSigningKeys ?? ["vcek", "vlek"];
  if (!keys.includes(v.signingKey))
    out.push(`signingKey: expected one of ${keys.join(", ")}, got ${v.signingKey}`);
  checkIdentity(r, opts, out);
  checkGuestPolicy(r, opts, out);
  checkPlatformInfo(r, opts, out);
  checkTcbs(r, opts, out);
  checkFirmware(r, opts, out);
  checkKeys(r, opts, out);
  checkMitigations(r, opts, out);
  return out;
}

/** Like `validateSnpReport`, but throws `PolicyError('snp_policy_mismatch')` carrying every mismatch. */
export function assertSnpReport(v: VerifiedSnpReport, opts: SnpValidateOptions): void {
  assertNoMismatches("snp_policy_mismatch", "snp report", validateSnpReport(v, opts));
}

function exact(out: Out, field: string, expected: Uint8Array | undefined, got: Uint8Array): void {
  if (expected !== undefined && !constantTimeEqual(expected, got)) {
    out.push(`${field}: expected ${toHex(expected)}, got ${toHex(got)}`);
  }
}

function oneOf(out: Out, field: string, allowed: readonly Uint8Array[] | undefined, got: Uint8Array): void {
  if (allowed === undefined || allowed.length === 0) return;
  if (!allowed.some((a) => constantTimeEqual(a, got))) {
    out.push(`${field}: expected one of ${allowed.map(toHex).join(", ")}, got ${toHex(got)}`);
  }
}

function checkIdentity(r: SnpReport, o: SnpValidateOptions, out: Out): void {
  exact(out, "measurement", o.measurement, r.measurement);
  exact(out, "hostData", o.hostData, r.hostData);
  oneOf(out, "hostData", o.allowedHostData, r.hostData);
  exact(out, "reportData", o.reportData, r.reportData);
  exact(out, "familyId", o.familyId, r.familyId);
  exact(out, "imageId", o.imageId, r.imageId);
  exact(out, "reportId", o.reportId, r.reportId);
  exact(out, "reportIdMa", o.reportIdMa, r.reportIdMa);
  oneOf(out, "chipId", o.allowedChipIds, r.chipId);
  const vmpl = o.vmpl ?? 0;
  if (r.vmpl !== vmpl) out.push(`vmpl: expected ${vmpl}, got ${r.vmpl}`);
  if (o.minimumGuestSvn !== undefined && r.guestSvn < o.minimumGuestSvn) {
    out.push(`guestSvn: expected >= ${o.minimumGuestSvn}, got ${r.guestSvn}`);
  }
}

function checkGuestPolicy(r: SnpReport, o: SnpValidateOptions, out: Out): void {
  const g = o.guestPolicy ?? {};
  const p = r.policy;
  const forbidden: [string, boolean, boolean][] = [
    ["debug", p.debug, g.allowDebug ?? false],
    ["migrateMa", p.migrateMa, g.allowMigrateMa ?? false],
    ["smt", p.smt, g.allowSmt ?? true],
    ["cxlAllowed", p.cxlAllowed, g.allowCxl ?? false],
  ];
  const required: [string, boolean, boolean | undefined][] = [
    ["singleSocket", p.singleSocket, g.requireSingleSocket],
    ["memAes256Xts", p.memAes256Xts, g.requireMemAes256Xts],
    ["raplDis", p.raplDis, g.requireRaplDis],
    ["ciphertextHidingDram", p.ciphertextHidingDram, g.requireCiphertextHidingDram],
    ["pageSwapDisable", p.pageSwapDisable, g.requirePageSwapDisable],
  ];
  checkFlags(out, "policy", forbidden, required);
  const minMajor = g.minimumAbiMajor ?? 0;
  const minMinor = g.minimumAbiMinor ?? 0;
  if (p.abiMajor < minMajor || (p.abiMajor === minMajor && p.abiMinor < minMinor)) {
    out.push(`policy.abi: expected >= ${minMajor}.${minMinor}, got ${p.abiMajor}.${p.abiMinor}`);
  }
}

function checkPlatformInfo(r: SnpReport, o: SnpValidateOptions, out: Out): void {
  const q = o.platformInfo;
  if (!q) return;
  const p = r.platformInfo;
  const forbidden: [string, boolean, boolean][] = [
    ["smtEnabled", p.smtEnabled, q.allowSmt ?? true],
    ["tsmeEnabled", p.tsmeEnabled, q.allowTsme ?? true],
    ["tioEnabled", p.tioEnabled, q.allowTio ?? true],
  ];
  const required: [string, boolean, boolean | undefined][] = [
    ["eccEnabled", p.eccEnabled, q.requireEcc],
    ["raplDisabled", p.raplDisabled, q.requireRaplDisabled],
    ["ciphertextHidingDramEnabled", p.ciphertextHidingDramEnabled, q.requireCiphertextHidingDram],
    ["aliasCheckComplete", p.aliasCheckComplete, q.requireAliasCheckComplete],
  ];
  checkFlags(out, "platformInfo", forbidden, required);
}

/** [name, set, allowed]: a set flag must be allowed; [name, set, required]: a required flag must be set. */
function checkFlags(
  out: Out,
  prefix: string,
  forbidden: readonly [string, boolean, boolean][],
  required: readonly [string, boolean, boolean | undefined][],
): void {
  for (const [name, set, allowed] of forbidden)
    if (set && !allowed) out.push(`${prefix}.${name}: expected false, got true`);
  for (const [name, set, req] of required)
    if (req && !set) out.push(`${prefix}.${name}: expected true, got false`);
}

function checkTcbs(r: SnpReport, o: SnpValidateOptions, out: Out): void {
  const comps = tcbComponents(r.tcbLayout);
  const min = o.minimumTcb;
  if (min) {
    const tcbs: [string, SnpTcb][] = [
      ["reportedTcb", r.reportedTcb],
      ["committedTcb", r.committedTcb],
      ["launchTcb", r.launchTcb],
      ["currentTcb", r.currentTcb],
    ];
    for (const [name, tcb] of tcbs) {
      for (const c of comps) {
        const want = min[c];
        if (want !== undefined && (tcb[c] ?? 0) < want)
          out.push(`${name}.${c}: expected >= ${want}, got ${tcb[c] ?? 0}`);
      }
    }
  }
  const provisional = o.permitProvisionalFirmware ?? true;
  for (const c of comps) {
    const committed = r.committedTcb[c] ?? 0;
    const current = r.currentTcb[c] ?? 0;
    if (provisional ? committed > current : committed !== current) {
      out.push(
        `committedTcb.${c}: expected ${provisional ? "<=" : "=="} currentTcb.${c} ${current}, got ${committed}`,
      );
    }
  }
}

function versionNumber(v: { major: number; minor: number; build: number }): number {
  return v.major * 65536 + v.minor * 256 + v.build;
}

function checkFirmware(r: SnpReport, o: SnpValidateOptions, out: Out): void {
  const cur = r.currentVersion;
  const fmt = (v: { major: number; minor: number; build: number }): string =>
    `${v.major}.${v.minor}.${v.build}`;
  if (o.minimumBuild !== undefined && cur.build < o.minimumBuild) {
    out.push(`currentVersion.build: expected >= ${o.minimumBuild}, got ${cur.build}`);
  }
  const mv = o.minimumVersion;
  if (mv && (cur.major < mv.major || (cur.major === mv.major && cur.minor < mv.minor))) {
    out.push(`currentVersion: expected >= ${mv.major}.${mv.minor}, got ${cur.major}.${cur.minor}`);
  }
  const provisional = o.permitProvisionalFirmware ?? true;
  const committed = versionNumber(r.committedVersion);
  const current = versionNumber(cur);
  if (provisional ? committed > current : committed !== current) {
    out.push(
      `committedVersion: expected ${provisional ? "<=" : "=="} ${fmt(cur)}, got ${fmt(r.committedVersion)}`,
    );
  }
}

function checkKeys(r: SnpReport, o: SnpValidateOptions, out: Out): void {
  const idDigests = o.trustedIdKeyDigests ?? [];
  if ((o.requireIdBlock || idDigests.length > 0) && isAllZero(r.idKeyDigest)) {
    out.push("idKeyDigest: expected an id block (non-zero digest), got none");
  } else {
    oneOf(out, "idKeyDigest", idDigests, r.idKeyDigest);
  }
  const authorDigests = o.trustedAuthorKeyDigests ?? [];
  if (authorDigests.length > 0) {
    if (!r.signerInfo.authorKeyEn) out.push("signerInfo.authorKeyEn: expected true, got false");
    else oneOf(out, "authorKeyDigest", authorDigests, r.authorKeyDigest);
  }
}

function checkMitigations(r: SnpReport, o: SnpValidateOptions, out: Out): void {
  const pairs: [string, bigint | undefined, bigint | undefined][] = [
    ["launchMitVector", o.minimumLaunchMitigationVector, r.launchMitVector],
    ["currentMitVector", o.minimumCurrentMitigationVector, r.currentMitVector],
  ];
  for (const [name, min, got] of pairs) {
    if (min === undefined || min === 0n) continue;
    if (got === undefined)
      out.push(
        `${name}: expected bits 0x${min.toString(16)} set, got a version ${r.version} report without it`,
      );
    else if ((got & min) !== min)
      out.push(`${name}: expected bits 0x${min.toString(16)} set, got 0x${got.toString(16)}`);
  }
}
