// Entry point of the `contrast` binary: the command table, where every component registers its own subcommands.

import "reflect-metadata";
import { type CAC, cac } from "cac";
import { registerAttestation } from "./cli/attestation.ts";
import { registerGenerate } from "./cli/generate-command.ts";
import { registerKeys } from "./cli/keys.ts";
import { registerMeasure } from "./cli/measure.ts";
import { registerPolicy } from "./cli/policy.ts";
import { registerRecover } from "./cli/recover.ts";
import { registerResources } from "./cli/resources.ts";
import { registerRuntime } from "./cli/runtime.ts";
import { registerSeedShares } from "./cli/seed-shares.ts";
import { registerSet } from "./cli/set.ts";
import { registerSim } from "./cli/sim.ts";
import { registerVerify } from "./cli/verify.ts";
import { versionText } from "./cli/version.ts";
import { configureHelp, parseAndRun } from "./command/command.ts";
import { registerCoordinator } from "./coordinator/command.ts";
import { registerInitializer } from "./initializer/command.ts";
import { registerNodeInstaller } from "./nodeinstaller/command.ts";
import { registerServiceMesh } from "./servicemesh/command.ts";

/** Every subcommand, in the order `contrast --help` lists them. */
const COMMANDS: readonly ((cli: CAC) => void)[] = [
  registerGenerate,
  registerSet,
  registerVerify,
  registerRecover,
  registerSeedShares,
  registerKeys,
  registerRuntime,
  registerResources,
  registerPolicy,
  registerAttestation,
  registerCoordinator,
  registerInitializer,
  registerServiceMesh,
  registerNodeInstaller,
  registerSim,
  registerMeasure,
];

/** The `contrast` command line: every subcommand on one cac instance, root help with the exit codes. */
export function createContrastCli(): CAC {
  const cli = cac("contrast");
  cli.option("--log-level <level>", "debug|info|warn|error (env CONTRAST_LOG_LEVEL)");
  cli.option("-v, --version", "print version and build info");
  configureHelp(cli, { root: true });
  for (const register of COMMANDS) register(cli);
  return cli;
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  if (args[0] === "--version" || args[0] === "-v") {
    process.stdout.write(`${versionText()}\n`);
  } else {
    await parseAndRun(createContrastCli(), args);
  }
}
