// What `contrast generate` tells its user: notes, warnings and hints on stderr, and the one `--json` object.

import { describeLocation } from "../kube/source-location.ts";
import { isSimulated } from "../manifest/is-simulated.ts";
import { missingUserValues } from "../manifest/missing-user-values.ts";
import { unknownLaunchValues } from "../manifest/platform-reference-values.ts";
import type { Manifest } from "../manifest/schema.ts";
import type { GenerateResult } from "../policy/generate-deployment.ts";
import { SIM_WARNING } from "./sim.ts";

/** Everything one successful `generate` run did, as data. */
export interface GenerateSummary {
  readonly manifest: Manifest;
  readonly manifestPath: string;
  readonly result: GenerateResult;
  /** Paths whose content changed on disk. */
  readonly written: readonly string[];
  /** `<tee> <Platform>` of the previous manifest's reference values left out (platform not chosen). */
  readonly dropped: readonly string[];
  /** Pod templates with the sim runtime class moved to the chosen hardware platform, and that platform. */
  readonly movedFromSim: { readonly count: number; readonly handler: string; readonly platform: string };
}

/** Manifest fields the user has to fill in before `set` accepts the manifest. */
function hintsOf(manifest: Manifest): string[] {
  return [...unknownLaunchValues(manifest.ReferenceValues), ...missingUserValues(manifest)];
}

function skippedReason(runtimeClassName: string | undefined): string {
  return runtimeClassName === undefined ? "no runtimeClassName" : `runtimeClassName ${runtimeClassName}`;
}

/** The diagnostics of a run, one line (or block) each, for stderr. */
export function reportLines(s: GenerateSummary): string[] {
  const { result, manifest } = s;
  const lines: string[] = [];
  if (result.skipped.length > 0) {
    const list = result.skipped.map(
      (w) => `  ${describeLocation(w.loc)}: ${skippedReason(w.runtimeClassName)}\n`,
    );
    lines.push(
      `note: skipped ${list.length} workloads whose pod template has no runtimeClassName: contrast-cc (set it to make them confidential):\n${list.join("")}`,
    );
  }
  if (s.movedFromSim.count > 0)
    lines.push(
      `note: ${s.movedFromSim.count} pod templates with runtimeClassName ${s.movedFromSim.handler} (simulated TEE) now run on ${s.movedFromSim.platform}\n`,
    );
  for (const p of result.pinnedImages)
    lines.push(`note: ${p.location}: pinned image ${p.reference} to ${p.pinned}\n`);
  if (result.coordinator.from === "default" && result.pods.some((p) => p.role !== "coordinator"))
    lines.push(
      `note: the Coordinator document names no namespace: Initializers look for ${result.coordinator.host} (set --coordinator-namespace if you apply it elsewhere)\n`,
    );
  if (result.unpinnedEnv.length > 0) {
    const list = result.unpinnedEnv.map(
      (u) => `  ${u.location} container ${u.container}: ${u.name} (${u.source})\n`,
    );
    lines.push(
      `warning: --unpinned-env-from-missing: the host chooses the values of these ${list.length} variables, whose ConfigMap or Secret is not among the inputs (their names stay pinned; use workload secrets for confidential values):\n${list.join("")}`,
    );
  }
  for (const d of s.dropped)
    lines.push(`note: dropped the previous manifest's ${d} reference values (platform not chosen)\n`);
  for (const h of hintsOf(manifest)) lines.push(`hint: please fill in ${h}\n`);
  if (isSimulated(manifest)) lines.push(`${SIM_WARNING}\n`);
  for (const w of s.written) lines.push(`wrote ${w}\n`);
  lines.push(
    `generated ${Object.keys(manifest.Policies).length} policies for ${result.pods.length} confidential workloads\n`,
  );
  return lines;
}

/** The members of `generate --json`'s object (on failure `runJsonAction` adds `error`). */
export function summaryJson(s: GenerateSummary): Record<string, unknown> {
  const { result, manifest } = s;
  const platforms = [...(manifest.ReferenceValues.snp ?? []), ...(manifest.ReferenceValues.tdx ?? [])].map(
    (e) => e.Platform,
  );
  return {
    manifest: s.manifestPath,
    policies: Object.keys(manifest.Policies).length,
    workloads: result.pods.map((p) => ({
      location: describeLocation({ file: p.file, docIndex: p.docIndex, kind: p.kind, name: p.name }),
      policy: p.digest,
      ...(p.role === undefined ? {} : { role: p.role }),
    })),
    skipped: result.skipped.map((w) => ({
      location: describeLocation(w.loc),
      runtimeClassName: w.runtimeClassName ?? null,
    })),
    referenceValues: [...new Set(platforms)],
    droppedReferenceValues: s.dropped,
    simulated: isSimulated(manifest),
    coordinatorHost: result.coordinator.host,
    pinnedImages: result.pinnedImages,
    unpinnedEnv: result.unpinnedEnv,
    hints: hintsOf(manifest),
    written: s.written,
  };
}
