// Assembles the manifest `generate` writes: one policy entry per confidential pod, re-keyed onto a previous manifest so user edits survive (edgelesssys/contrast internal/manifest, edgelesssys/contrast cli/cmd/generate.go).

import { ConfigError } from "../common/errors.ts";
import type { Manifest, PolicyEntry, ReferenceValues } from "./schema.ts";

/** One generated pod policy, as `generateDeployment` reports it. */
export interface PolicyInput {
  /** Lowercase hex SHA-256 of the pod's initdata document. */
  readonly digest: string;
  /** `metadata.name` of the workload. */
  readonly name: string;
  /** Default or annotated workload secret id (`<group>/<version>/<Kind>/<namespace>/<name>`). */
  readonly workloadSecretId: string;
  /** `contrast.edgeless.systems/pod-role`, if any. */
  readonly role: string | undefined;
  /** Default SANs, `[name, "*"]`. */
  readonly sans: readonly string[];
  /** Where the workload came from (`file#doc (Kind name)`), for messages. */
  readonly where: string;
}

export interface BuildManifestInput {
  readonly policies: readonly PolicyInput[];
  readonly referenceValues: ReferenceValues;
  /** Hex PKIX DER of workload-owner keys to add. */
  readonly workloadOwnerPubKeys: readonly string[];
  /** Hex PKCS#1 DER of seed-share-owner keys to add. */
  readonly seedshareOwnerPubKeys: readonly string[];
  /** `-d/--disable-updates`: the manifest lists no workload owner, so it can never be replaced. */
  readonly disableUpdates?: boolean;
  /** The manifest found on disk, whose SANs, secret ids and owner keys are kept. */
  readonly previous?: Manifest;
}

const ROLE_COORDINATOR = "coordinator";

/** Index of the previous entry for a pod: same digest, else same WorkloadSecretID, else its SANs name the pod. */
function findPrevious(
  p: PolicyInput,
  previous: readonly (readonly [string, PolicyEntry])[],
  used: Set<number>,
): PolicyEntry | undefined {
  const matchers: ((d: string, e: PolicyEntry) => boolean)[] = [
    (d) => d === p.digest,
    (_, e) => e.WorkloadSecretID !== undefined && e.WorkloadSecretID === p.workloadSecretId,
    (_, e) => e.SANs[0] === p.name,
  ];
  for (const match of matchers) {
    const i = previous.findIndex(([d, e], j) => !used.has(j) && match(d, e));
    if (i >= 0) {
      used.add(i);
      return previous[i]?.[1];
    }
  }
  return undefined;
}

function entryFor(p: PolicyInput, old: PolicyEntry | undefined): PolicyEntry {
  if (p.role !== undefined && p.role !== "" && p.role !== ROLE_COORDINATOR) {
    throw new ConfigError(
      "pod_role_invalid",
      `${p.where}: annotation contrast.edgeless.systems/pod-role expected "coordinator" or absent, got ${JSON.stringify(p.role)}`,
    );
  }
  const secretId = old === undefined ? p.workloadSecretId : old.WorkloadSecretID;
  return {
    SANs: [...(old?.SANs ?? p.sans)],
    ...(secretId !== undefined && secretId !== "" ? { WorkloadSecretID: secretId } : {}),
    ...(p.role === ROLE_COORDINATOR ? { Role: ROLE_COORDINATOR } : {}),
  };
}

function checkCoordinator(policies: readonly PolicyInput[]): void {
  const coordinators = new Set(policies.filter((p) => p.role === ROLE_COORDINATOR).map((p) => p.digest));
  if (coordinators.size === 0) {
    throw new ConfigError(
      "coordinator_missing",
      "no coordinator found: expected one workload with annotation contrast.edgeless.systems/pod-role: coordinator, got none; add the output of `contrast resources coordinator` to the inputs, or name its policy with --coordinator-policy",
    );
  }
  if (coordinators.size > 1) {
    const where = policies.filter((p) => p.role === ROLE_COORDINATOR).map((p) => p.where);
    throw new ConfigError(
      "coordinator_ambiguous",
      `expected one coordinator policy, got ${coordinators.size} (${where.join(", ")})`,
    );
  }
}

function mergeKeys(previous: readonly string[], added: readonly string[]): string[] {
  return [...new Set([...previous, ...added].map((k) => k.toLowerCase()))].sort();
}

/** The manifest's WorkloadOwnerPubKeys: the previous manifest's owners plus the added ones (none with -d). */
export function workloadOwnersFor(
  input: Pick<BuildManifestInput, "workloadOwnerPubKeys" | "disableUpdates" | "previous">,
): string[] {
  if (input.disableUpdates === true) return [];
  return mergeKeys(input.previous?.WorkloadOwnerPubKeys ?? [], input.workloadOwnerPubKeys);
}

/**
 * Builds the manifest for the generated pods. Throws ConfigError when no (or more than one distinct) Coordinator
 * policy is present, when two different workloads share a policy digest, or when a pod role is unknown.
 */
export function buildManifest(input: BuildManifestInput): Manifest {
  checkCoordinator(input.policies);
  const previous = Object.entries(input.previous?.Policies ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  const used = new Set<number>();
  const policies: Record<string, PolicyEntry> = {};
  const owners = new Map<string, PolicyInput>();
  for (const p of input.policies) {
    const first = owners.get(p.digest);
    if (first !== undefined) {
      if (first.workloadSecretId === p.workloadSecretId && first.role === p.role) continue;
      throw new ConfigError(
        "policy_digest_collision",
        `${p.where}: policy digest ${p.digest} expected to belong to one workload, got it also for ${first.where}`,
      );
    }
    owners.set(p.digest, p);
    policies[p.digest] = entryFor(p, findPrevious(p, previous, used));
  }
  return {
    Policies: policies,
    ReferenceValues: input.referenceValues,
    WorkloadOwnerPubKeys: workloadOwnersFor(input),
    SeedshareOwnerPubKeys: mergeKeys(
      input.previous?.SeedshareOwnerPubKeys ?? [],
      input.seedshareOwnerPubKeys,
    ),
  };
}
