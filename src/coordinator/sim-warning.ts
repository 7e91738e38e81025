// The Coordinator's warning whenever the manifest it serves trusts the development sim chain (issue 10 §5).

import type { Logger } from "../common/log.ts";
import { isSimulated } from "../manifest/is-simulated.ts";
import type { Manifest } from "../manifest/schema.ts";

/** Logs at warn level when `manifest` names a SimulatedARK; `event` says when (start, manifest set, recovered). */
export function warnIfSimulated(log: Logger, manifest: Manifest | undefined, event: string): void {
  if (manifest === undefined || !isSimulated(manifest)) return;
  log.warn(
    "the manifest trusts a simulated TEE (SimulatedARK): for development only, it proves nothing about hardware",
    {
      event,
    },
  );
}
