// Which TEE issues this process's evidence: the `--tee` choice the Coordinator and the Initializer read the same way,
// and the issuer it selects (configfs-tsm on hardware, the simulated TEE for development).

import { UsageError } from "../common/errors.ts";
import type { Issuer } from "./evidence.ts";
import { isTee, TEE_NAMES, type Tee } from "./platforms.ts";
import { createSimIssuer } from "./sim-issuer.ts";
import { createTsmIssuer } from "./tsm-issuer.ts";

/** `auto` asks configfs-tsm which platform this is; a platform name insists on it; `sim` is the simulated TEE. */
export type TeeChoice = "auto" | Tee | "sim";

export const TEE_CHOICES: readonly TeeChoice[] = ["auto", ...TEE_NAMES, "sim"];

/** The `--tee` value (flag or CONTRAST_TEE); anything else is a usage error. */
export function parseTeeChoice(raw: string): TeeChoice {
  if (raw === "auto" || raw === "sim" || isTee(raw)) return raw;
  throw new UsageError(
    "invalid_flag",
    `--tee: expected ${TEE_CHOICES.join("|")}, got ${JSON.stringify(raw)}`,
    {
      field: "tee",
    },
  );
}

/**
 * The `--sim-…` flags belong to `--tee sim`: with it, each of `required` must be given; without it, none may be.
 * `given` maps each such flag (`--sim-dir`) to its value, undefined when absent.
 */
export function checkSimFlags(
  tee: TeeChoice,
  given: Readonly<Record<string, string | undefined>>,
  required: readonly string[],
): void {
  if (tee === "sim") {
    const missing = required.filter((f) => !given[f]);
    if (missing.length > 0)
      throw new UsageError("invalid_flag", `${missing.join(" and ")}: required with --tee sim`, {
        field: missing[0]!.slice(2),
      });
    return;
  }
  const present = Object.keys(given).filter((f) => given[f]);
  if (present.length > 0)
    throw new UsageError("invalid_flag", `${present.join("/")}: only with --tee sim, got --tee ${tee}`);
}

/**
 * The issuer `tee` selects. On hardware it asks configfs-tsm for a first report now, so a wrong `--tee` or a missing
 * device fails at start rather than at the first admission. `sim` needs the sim directory and the host data a real
 * launch would bind.
 */
export async function selectIssuer(
  tee: TeeChoice,
  sim?: { readonly dir: string; readonly hostData: () => Uint8Array },
): Promise<Issuer> {
  if (tee === "sim") {
    if (sim === undefined) throw new UsageError("invalid_flag", "--sim-dir: required with --tee sim");
    return createSimIssuer(sim.dir, sim.hostData());
  }
  const issuer = createTsmIssuer(tee === "auto" ? {} : { expect: tee });
  await issuer.probe();
  return issuer;
}
