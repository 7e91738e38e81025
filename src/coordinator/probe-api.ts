// Probes and Prometheus metrics on port 9102 (plain HTTP, no secrets).

import { Hono } from "hono";
import type { CoordinatorMetrics } from "./metrics.ts";
import type { CoordinatorState } from "./state.ts";

export function createProbeApi(deps: {
  state: CoordinatorState;
  metrics: CoordinatorMetrics;
  started: () => boolean;
}): Hono {
  const app = new Hono();
  const answer = (ok: boolean, what: string) =>
    new Response(ok ? `${what}: ok\n` : `${what}: not ok (${deps.state.phase})\n`, {
      status: ok ? 200 : 503,
    });
  app.get("/probe/startup", () => answer(deps.started(), "startup"));
  app.get("/probe/liveness", () => answer(deps.started(), "liveness"));
  // Ready = has a manifest and is not in recovery (edgelesssys/contrast coordinator/internal/stateguard).
  app.get("/probe/readiness", () => answer(deps.state.phase === "ready", "readiness"));
  app.get("/metrics", async () => {
    const text = await deps.metrics.registry.metrics();
    return new Response(text, { headers: { "content-type": deps.metrics.registry.contentType } });
  });
  return app;
}
