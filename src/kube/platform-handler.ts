// The `HandlerFor` of one generate run: runtime class → this build's handler for its platform, remembering which platforms workloads named.

import { ConfigError } from "../common/errors.ts";
import {
  type Platform,
  parsePlatform,
  runtimeHandler,
  SIM_RUNTIME_ID,
  simRuntimeHandler,
} from "../platform/index.ts";
import type { HandlerFor } from "./runtime-class.ts";

/** What `contrast-cc` stands for in one run: a runtime platform, or the simulated TEE (`--reference-values sim`). */
export type RuntimeChoice = Platform | typeof SIM_RUNTIME_ID;

export interface RecordingHandlerFor {
  readonly handlerFor: HandlerFor;
  /** Platforms named explicitly by a runtime class (`contrast-cc-<platform>[-<hash>]`), in first-seen order. */
  named(): Platform[];
  /** True when a runtime class named the simulated TEE (`contrast-cc-sim[-<hash>]`) and it was kept. */
  namesSim(): boolean;
  /** How many sim runtime classes were moved to the chosen hardware platform. */
  movedFromSim(): number;
}

/**
 * `contrast-cc` maps to `defaultChoice` (from `--reference-values`); without one it is a ConfigError, since
 * the platform decides the handler and the reference values. An unknown platform is `unknown_platform`. A sim class
 * stays sim unless a hardware platform is chosen: then it stands for that platform, like `contrast-cc`.
 */
export function createHandlerFor(defaultChoice: RuntimeChoice | undefined): RecordingHandlerFor {
  const named = new Map<string, Platform>();
  let sim = false;
  let movedFromSim = 0;
  const handlerFor: HandlerFor = (id) => {
    if (id === undefined) {
      if (defaultChoice === undefined) {
        throw new ConfigError(
          "runtime_platform_missing",
          "expected --reference-values to choose the platform for runtimeClassName contrast-cc, got none",
        );
      }
      return defaultChoice === SIM_RUNTIME_ID ? simRuntimeHandler() : runtimeHandler(defaultChoice);
    }
    if (id.toLowerCase() === SIM_RUNTIME_ID) {
      // Sim is a whole-deployment development mode: with a hardware platform chosen, its pods move there.
      if (defaultChoice !== undefined && defaultChoice !== SIM_RUNTIME_ID) {
        movedFromSim++;
        return runtimeHandler(defaultChoice);
      }
      sim = true;
      return simRuntimeHandler();
    }
    const p = parsePlatform(id, "runtimeClassName platform");
    if (!named.has(p.name)) named.set(p.name, p);
    return runtimeHandler(p);
  };
  return {
    handlerFor,
    named: () => [...named.values()],
    namesSim: () => sim,
    movedFromSim: () => movedFromSim,
  };
}
