// The optional admin port: liveness, readiness and per-listener connection metrics (Prometheus text), no secrets.

import { Hono } from "hono";
import type { MeshMetrics } from "./metrics.ts";

export function createAdminApi(deps: { metrics: MeshMetrics; ready: () => boolean }): Hono {
  const app = new Hono();
  app.get("/healthz", () => new Response("ok\n"));
  app.get("/ready", () =>
    deps.ready() ? new Response("ready\n") : new Response("not ready\n", { status: 503 }),
  );
  app.get("/metrics", async () => {
    const text = await deps.metrics.registry.metrics();
    return new Response(text, { headers: { "content-type": deps.metrics.registry.contentType } });
  });
  return app;
}
