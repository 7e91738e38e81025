// Per-listener connection metrics of the sidecar (Prometheus text on the admin port).

import { Counter, Gauge, Registry } from "prom-client";

/** Why a connection ended or never started; a fixed set so label cardinality stays bounded. */
export type ConnectionOutcome =
  | "completed"
  | "refused_limit"
  | "refused_peer"
  | "upstream_failed"
  | "idle_timeout"
  | "error"
  | "drained";

export interface MeshMetrics {
  readonly registry: Registry;
  readonly active: Gauge<"listener">;
  readonly connections: Counter<"listener" | "outcome">;
  readonly bytes: Counter<"listener" | "direction">;
}

/** A fresh registry per sidecar instance, so tests can run several side by side. */
export function createMeshMetrics(): MeshMetrics {
  const registry = new Registry();
  const active = new Gauge({
    name: "contrast_mesh_connections_active",
    help: "Open connections per listener.",
    labelNames: ["listener"] as const,
    registers: [registry],
  });
  const connections = new Counter({
    name: "contrast_mesh_connections_total",
    help: "Finished or refused connections per listener and outcome.",
    labelNames: ["listener", "outcome"] as const,
    registers: [registry],
  });
  const bytes = new Counter({
    name: "contrast_mesh_bytes_total",
    help: "Bytes copied per listener: downstream (from the accepting side) or upstream (back to it).",
    labelNames: ["listener", "direction"] as const,
    registers: [registry],
  });
  return { registry, active, connections, bytes };
}
