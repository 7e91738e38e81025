// `contrast sim init --dir DIR`: create the development (simulated) SEV-SNP TEE and its reference values.

import type { CAC } from "cac";
import { initSimDir } from "../attestation/sim/sim-dir.ts";
import { registerGroup, runAction } from "../command/command.ts";
import { UsageError } from "../common/errors.ts";

export const SIM_WARNING =
  "warning: the simulated TEE is for development only; its reference values trust a local, self-made root instead of AMD";

interface SimInitFlags {
  dir?: unknown;
  product?: unknown;
}

export function registerSim(cli: CAC): void {
  registerGroup(cli, "sim", "simulated SEV-SNP TEE for local development (never for production)", (sub) => {
    sub
      .command(
        "init",
        "create DIR with a development ARK → ASK → VCEK chain and DIR/reference-values.json (idempotent)",
      )
      .example("  contrast sim init --dir sim")
      .example("  contrast sim init --dir sim-genoa --product Genoa")
      .option("--dir <dir>", "directory for the sim keys and reference values (created with mode 0700)")
      .option("--product <product>", "Milan or Genoa (default Milan; only used when DIR is new)")
      .action((flags: SimInitFlags) =>
        runAction(async () => {
          if (typeof flags.dir !== "string" || flags.dir === "") {
            throw new UsageError("missing_argument", "--dir: expected a directory path");
          }
          const product = flags.product ?? "Milan";
          if (product !== "Milan" && product !== "Genoa") {
            throw new UsageError(
              "invalid_argument",
              `--product: expected Milan or Genoa, got ${JSON.stringify(product)}`,
            );
          }
          const sim = await initSimDir(flags.dir, { product });
          process.stderr.write(`${SIM_WARNING}\n`);
          if (!sim.created)
            process.stderr.write(`kept the existing ${sim.product} sim chain in ${sim.dir}\n`);
          process.stdout.write(`${sim.referenceValuesPath}\n`);
          return 0;
        }),
      );
  });
}
