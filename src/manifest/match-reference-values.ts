// The one trust rule for evidence against reference values (edgelesssys/contrast internal/manifest), used by the Coordinator, the CLI
// verifier and `contrast attestation verify`: the evidence passes when ANY entry matches; an entry that names a
// SimulatedARK trusts exactly that root and one without trusts only AMD's; an entry accepts a missing CRL only when
// it says `AllowMissingCRL` (or the CLI was given --allow-missing-crl), and each such use is returned as a warning.
// When no entry matches, every entry's reasons are reported.

import type { Tee } from "../attestation/platforms.ts";
import type { SnpReferenceValue } from "../attestation/snp/reference-value.ts";
import { snpValidateOptionsFor } from "../attestation/snp/reference-value.ts";
import type { SnpRevocationStatus } from "../attestation/snp/revocation.ts";
import { validateSnpReport } from "../attestation/snp/validate.ts";
import type { VerifiedSnpReport } from "../attestation/snp/verify.ts";
import { toDer } from "../attestation/snp/x509-util.ts";
import type { TdxRevocationStatus } from "../attestation/tdx/fetch-collateral.ts";
import type { TdxReferenceValue } from "../attestation/tdx/reference-value.ts";
import { tdxValidateOptionsFor } from "../attestation/tdx/reference-value.ts";
import { validateTdxQuote } from "../attestation/tdx/validate.ts";
import type { VerifiedTdxQuote } from "../attestation/tdx/verify.ts";
import { utf8 } from "../common/bytes.ts";
import { sha256Hex } from "../common/digest.ts";
import { PolicyError, UnavailableError } from "../common/errors.ts";

export interface MatchOptions {
  /** REPORT_DATA the evidence must carry (per call, never stored in shared options). */
  readonly reportData?: Uint8Array;
  /** `attestation verify --allow-missing-crl`: every entry accepts a missing CRL. */
  readonly allowMissingCrl?: boolean;
  /** TDX: require an evaluated TCB status (false only for `attestation verify --no-collateral`). Default true. */
  readonly requireTcbStatus?: boolean;
}

export interface Match {
  /** The entry that matched, e.g. `snp[1]`. */
  readonly matched: string;
  /** One line per relaxation the match relied on (a missing CRL accepted): log or print every one. */
  readonly warnings: readonly string[];
}

/** DER of every SimulatedARK the entries name: the roots the SNP verifier may end a chain in besides AMD's. */
export function simulatedArks(entries: readonly SnpReferenceValue[]): Uint8Array[] {
  return entries.flatMap((e) => (e.SimulatedARK === undefined ? [] : [simulatedArkDer(e.SimulatedARK)]));
}

/**
 * Evidence of a platform the reference values have no entry for matches nothing: `no_reference_values` (checked
 * before verification too, so nothing is fetched for it).
 */
export function requireEntries(platform: Tee, entries: readonly unknown[]): void {
  if (entries.length === 0) {
    throw new PolicyError(
      "no_reference_values",
      `reference values: expected at least one ${platform} entry for ${platform} evidence, got none`,
    );
  }
}

/** Matches a verified SNP report (verified with `simulatedArks(entries)` trusted and revocation reported). */
export function matchSnpReferenceValues(
  v: VerifiedSnpReport,
  entries: readonly SnpReferenceValue[],
  opts: MatchOptions = {},
): Match {
  requireEntries("snp", entries);
  return matchEntries(
    "snp",
    entries.map((rv) => () => {
      const revocation = revocationOutcome(v.leaf.revocation, rv.AllowMissingCRL, opts);
      const values = [
        ...checkArk(v, rv),
        ...validateSnpReport(v, snpValidateOptionsFor(rv, opts.reportData)),
      ];
      return { values, revocation };
    }),
  );
}

/** Matches a verified TDX quote whose CRL status `revocation` was established with the quote. */
export function matchTdxReferenceValues(
  v: VerifiedTdxQuote,
  revocation: TdxRevocationStatus,
  entries: readonly TdxReferenceValue[],
  opts: MatchOptions = {},
): Match {
  requireEntries("tdx", entries);
  const requireTcbStatus = opts.requireTcbStatus ?? true;
  return matchEntries(
    "tdx",
    entries.map((rv) => () => ({
      values: validateTdxQuote(v, { ...tdxValidateOptionsFor(rv, opts.reportData), requireTcbStatus }),
      revocation: revocationOutcome(revocation, rv.AllowMissingCRL, opts),
    })),
  );
}

interface EntryOutcome {
  /** Mismatches of authentic evidence against the entry's values (and, for SNP, its root). */
  readonly values: readonly string[];
  readonly revocation: { readonly problem?: UnavailableError; readonly warning?: string };
}

function matchEntries(platform: Tee, entries: (() => EntryOutcome)[]): Match {
  const problems: string[] = [];
  let revocationOnly: UnavailableError | undefined;
  for (const [i, evaluate] of entries.entries()) {
    const { values, revocation } = evaluate();
    const name = `${platform}[${i}]`;
    if (values.length === 0 && revocation.problem === undefined) {
      const warnings = revocation.warning === undefined ? [] : [`${name}: ${revocation.warning}`];
      return { matched: name, warnings };
    }
    problems.push(...values.map((m) => `${name}: ${m}`));
    if (revocation.problem !== undefined) {
      problems.push(`${name}: ${revocation.problem.message}`);
      if (values.length === 0) revocationOnly ??= revocation.problem;
    }
  }
  const message = `no ${platform} reference value matched: ${problems.join("; ")}`;
  // An entry that failed only for want of a CRL may match once KDS/PCS answers: unavailable (exit 6), not a mismatch.
  if (revocationOnly !== undefined) {
    throw new UnavailableError(revocationOnly.code, message, { field: revocationOnly.field ?? "crl" });
  }
  throw new PolicyError("reference_values_mismatch", message, problems);
}

function revocationOutcome(
  status: SnpRevocationStatus | TdxRevocationStatus,
  entryAllows: boolean | undefined,
  opts: MatchOptions,
): EntryOutcome["revocation"] {
  if (status.checked) return {};
  if (entryAllows === true) {
    return { warning: `accepted without a current crl (AllowMissingCRL): ${status.error.message}` };
  }
  if (opts.allowMissingCrl === true) {
    return { warning: `accepted without a current crl (--allow-missing-crl): ${status.error.message}` };
  }
  return { problem: status.error };
}

function checkArk(v: VerifiedSnpReport, rv: SnpReferenceValue): string[] {
  if (rv.SimulatedARK === undefined) {
    return v.ark.source === "amd" ? [] : [`ark: expected an AMD root, got the simulated ark ${v.ark.sha256}`];
  }
  const want = simulatedArk(rv.SimulatedARK).sha256;
  return v.ark.sha256 === want ? [] : [`ark: expected the SimulatedARK ${want}, got ${v.ark.sha256}`];
}

const simulatedArkCache = new Map<string, { der: Uint8Array; sha256: string }>();

/** The DER and SHA-256 of a SimulatedARK PEM, decoded once per PEM (every admission names the same ones). */
function simulatedArk(pem: string): { der: Uint8Array; sha256: string } {
  let ark = simulatedArkCache.get(pem);
  if (ark === undefined) {
    const der = toDer(utf8(pem), "SimulatedARK");
    ark = { der, sha256: sha256Hex(der) };
    if (simulatedArkCache.size >= 64)
      simulatedArkCache.delete(simulatedArkCache.keys().next().value as string);
    simulatedArkCache.set(pem, ark);
  }
  return ark;
}

function simulatedArkDer(pem: string): Uint8Array {
  return simulatedArk(pem).der.slice();
}
