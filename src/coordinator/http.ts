// Shared HTTP plumbing for the Coordinator's hono apps: error bodies, body limits, JSON reading, metrics.

import type { Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { ApiError, type ApiErrorBody } from "../api/errors.ts";
import type { Logger } from "../common/log.ts";
import type { CoordinatorMetrics } from "./metrics.ts";

/** Largest request body any route accepts; manifests with many policies stay far below this. */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** Installs, in order: request metrics, body size limit, and an error handler that never leaks internals. */
export function installCommon(
  app: Hono,
  opts: { metrics: CoordinatorMetrics; log: Logger; maxBody?: number },
): void {
  app.use("*", async (c, next) => {
    await next();
    opts.metrics.requests.inc({ route: c.req.routePath ?? c.req.path, status: String(c.res.status) });
  });
  app.use(
    "*",
    bodyLimit({
      maxSize: opts.maxBody ?? MAX_BODY_BYTES,
      onError: (c) => c.json(errorBody("body_too_large", "request body exceeds the size limit"), 413),
    }),
  );
  app.notFound((c) => c.json(errorBody("not_found", `no route ${c.req.method} ${c.req.path}`), 404));
  app.onError((err, c) => {
    if (err instanceof ApiError) return c.json(errorBody(err.code, err.message), err.status as 400);
    opts.log.error("unhandled error in request", { route: c.req.path, error: err.message });
    return c.json(errorBody("internal", "internal error"), 500);
  });
}

export function errorBody(code: ApiErrorBody["code"], message: string): ApiErrorBody {
  return { code, message };
}

/** Reads a JSON body; anything that is not `application/json` or not parseable is `invalid_argument`. */
export async function readJson(c: Context): Promise<unknown> {
  const type = c.req.header("content-type") ?? "";
  if (!type.toLowerCase().startsWith("application/json")) {
    throw new ApiError(
      "unsupported_media_type",
      `content-type: expected application/json, got ${JSON.stringify(type)}`,
    );
  }
  let text: string;
  try {
    text = await c.req.text();
  } catch {
    throw new ApiError("invalid_argument", "body: could not be read");
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError("invalid_argument", "body: expected JSON, got malformed text");
  }
}
