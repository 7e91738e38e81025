// The `HandlerFor` of one generate run: runtime class → this build's handler for its platform, remembering which platforms workloads named.

import { ConfigError } from "../common/errors.ts";
import { type Platform, parsePlatform, runtimeHandler } from "./runtime/index.ts";
import type { HandlerFor } from "./runtime-class.ts";

export interface RecordingHandlerFor {
  readonly handlerFor: HandlerFor;
  /** Platforms named explicitly by a runtime class (`contrast-cc-<platform>[-<hash>]`), in first-seen order. */
  named(): Platform[];
}

/**
 * `contrast-cc` maps to `defaultPlatform` (from `--reference-values`); without one it is a ConfigError, since
 * the platform decides the handler and the reference values. An unknown platform is `unknown_platform`.
 */
export function createHandlerFor(defaultPlatform: Platform | undefined): RecordingHandlerFor {
  const named = new Map<string, Platform>();
  const handlerFor: HandlerFor = (id) => {
    if (id === undefined) {
      if (defaultPlatform === undefined) {
        throw new ConfigError(
          "runtime_platform_missing",
          "expected --reference-values to choose the platform for runtimeClassName contrast-cc, got none",
        );
      }
      return runtimeHandler(defaultPlatform);
    }
    const p = parsePlatform(id, "runtimeClassName platform");
    if (!named.has(p.name)) named.set(p.name, p);
    return runtimeHandler(p);
  };
  return { handlerFor, named: () => [...named.values()] };
}
