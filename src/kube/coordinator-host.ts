// Where injected Initializers reach the Coordinator: its Service's fully qualified name, so pods in any namespace find it.
//
// The namespace comes from `generate --coordinator-namespace`, else from the Coordinator document among the inputs
// (`contrast resources coordinator --namespace`), else `default` (where kubectl puts an object without one, and what
// the workload secret ids already assume). A short name like `coordinator` resolves only inside the Coordinator's
// own namespace; pods elsewhere would retry forever.

import { ConfigError } from "../common/errors.ts";
import { COORDINATOR_NAME } from "./coordinator-resources.ts";
import { describeLocation, type SourceLocation } from "./source-location.ts";

/** RFC 1123 label, as Kubernetes requires for namespaces; also keeps the host name well formed. */
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
export const DEFAULT_NAMESPACE = "default";

/** `coordinator.<namespace>.svc.cluster.local`: the Service `contrast resources coordinator` creates. */
export function coordinatorServiceHost(namespace: string): string {
  return `${COORDINATOR_NAME}.${namespace}.svc.cluster.local`;
}

export interface CoordinatorPlacement {
  readonly namespace: string;
  /** How the namespace was chosen, so the CLI can say when it guessed. */
  readonly from: "flag" | "document" | "default";
  readonly host: string;
}

interface CoordinatorDocument {
  readonly namespace: string | undefined;
  readonly loc: SourceLocation;
}

/** Chooses the Coordinator's namespace; a flag that contradicts the Coordinator document is refused. */
export function placeCoordinator(
  documents: readonly CoordinatorDocument[],
  flag: string | undefined,
): CoordinatorPlacement {
  if (flag !== undefined && !NAMESPACE.test(flag)) {
    throw new ConfigError(
      "invalid_namespace",
      `--coordinator-namespace: expected an rfc 1123 label, got ${JSON.stringify(flag)}`,
      { field: "--coordinator-namespace" },
    );
  }
  const named = documents.filter((d) => d.namespace !== undefined);
  for (const d of named) {
    if (!NAMESPACE.test(d.namespace ?? "")) {
      throw new ConfigError(
        "invalid_namespace",
        `${describeLocation(d.loc)}: metadata.namespace expected an rfc 1123 label, got ${JSON.stringify(d.namespace)}`,
        { field: "metadata.namespace" },
      );
    }
    const other = flag ?? named[0]?.namespace;
    if (d.namespace === other) continue;
    const against = flag !== undefined ? `--coordinator-namespace ${flag}` : describeLocation(named[0]!.loc);
    throw new ConfigError(
      "coordinator_namespace_mismatch",
      `${describeLocation(d.loc)}: coordinator namespace expected ${JSON.stringify(other)} as in ${against}, got ${JSON.stringify(d.namespace)}`,
      { field: "metadata.namespace" },
    );
  }
  const namespace = flag ?? named[0]?.namespace ?? DEFAULT_NAMESPACE;
  const from = flag !== undefined ? "flag" : named.length > 0 ? "document" : "default";
  return { namespace, from, host: coordinatorServiceHost(namespace) };
}
