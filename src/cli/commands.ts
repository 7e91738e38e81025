// The `contrast` command line: every subcommand registered on one cac instance, root help with the exit codes.

import { type CAC, cac } from "cac";
import { configureHelp } from "../command/command.ts";
import { registerAttestation } from "./attestation.ts";
import { registerCoordinator } from "./coordinator.ts";
import { registerGenerate } from "./generate.ts";
import { registerInitializer } from "./initializer.ts";
import { registerKeys } from "./keys.ts";
import { registerMeasure } from "./measure.ts";
import { registerNodeInstaller } from "./node-installer.ts";
import { registerPolicy } from "./policy.ts";
import { registerRecover } from "./recover.ts";
import { registerResources } from "./resources.ts";
import { registerRuntime } from "./runtime.ts";
import { registerSeedShares } from "./seed-shares.ts";
import { registerServiceMesh } from "./service-mesh.ts";
import { registerSet } from "./set.ts";
import { registerSim } from "./sim.ts";
import { registerVerify } from "./verify.ts";

export function createContrastCli(): CAC {
  const cli = cac("contrast");
  cli.option("--log-level <level>", "debug|info|warn|error (env CONTRAST_LOG_LEVEL)");
  cli.option("-v, --version", "print version and build info");
  configureHelp(cli, { root: true });
  registerGenerate(cli);
  registerSet(cli);
  registerVerify(cli);
  registerRecover(cli);
  registerSeedShares(cli);
  registerKeys(cli);
  registerRuntime(cli);
  registerResources(cli);
  registerPolicy(cli);
  registerAttestation(cli);
  registerCoordinator(cli);
  registerInitializer(cli);
  registerServiceMesh(cli);
  registerNodeInstaller(cli);
  registerSim(cli);
  registerMeasure(cli);
  return cli;
}
