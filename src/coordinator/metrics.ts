// Prometheus metrics of the Coordinator: requests by route and status, admissions and refusals, manifest generation.

import { Counter, Gauge, Registry } from "prom-client";

export interface CoordinatorMetrics {
  readonly registry: Registry;
  readonly requests: Counter<"route" | "status">;
  readonly admissions: Counter<"result" | "reason">;
  readonly manifestGeneration: Gauge;
  readonly connections: Counter<"listener" | "event">;
}

/** A fresh registry per Coordinator instance, so tests can run several side by side. */
export function createMetrics(): CoordinatorMetrics {
  const registry = new Registry();
  const requests = new Counter({
    name: "contrast_coordinator_requests_total",
    help: "API requests by route and HTTP status.",
    labelNames: ["route", "status"] as const,
    registers: [registry],
  });
  const admissions = new Counter({
    name: "contrast_coordinator_mesh_admissions_total",
    help: "Mesh certificate requests by result (admitted/refused) and refusal reason.",
    labelNames: ["result", "reason"] as const,
    registers: [registry],
  });
  const manifestGeneration = new Gauge({
    name: "contrast_coordinator_manifest_generation",
    help: "Number of manifests in the history (0 = none set yet).",
    registers: [registry],
  });
  const connections = new Counter({
    name: "contrast_coordinator_connection_events_total",
    help: "Connections closed at the per-listener cap (evicted idle or refused) and handlers that failed.",
    labelNames: ["listener", "event"] as const,
    registers: [registry],
  });
  return { registry, requests, admissions, manifestGeneration, connections };
}
