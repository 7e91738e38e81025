// Entry point of the `contrast` binary: wires one subcommand per line, nothing else.
import "reflect-metadata";
import { cac } from "cac";
import { registerAttestation } from "./cli/attestation.ts";
import { parseAndRun } from "./cli/command.ts";
import { registerCoordinator } from "./cli/coordinator.ts";
import { EXIT_CODE_HELP } from "./cli/exit-codes.ts";
import { registerGenerate } from "./cli/generate.ts";
import { registerInitializer } from "./cli/initializer.ts";
import { registerKeys } from "./cli/keys.ts";
import { registerMeasure } from "./cli/measure.ts";
import { registerNodeInstaller } from "./cli/node-installer.ts";
import { registerPolicy } from "./cli/policy.ts";
import { registerRecover } from "./cli/recover.ts";
import { registerResources } from "./cli/resources.ts";
import { registerRuntime } from "./cli/runtime.ts";
import { registerSeedShares } from "./cli/seed-shares.ts";
import { registerServiceMesh } from "./cli/service-mesh.ts";
import { registerSet } from "./cli/set.ts";
import { registerSim } from "./cli/sim.ts";
import { registerVerify } from "./cli/verify.ts";
import { versionText } from "./cli/version.ts";

const cli = cac("contrast");
cli.option("--log-level <level>", "debug|info|warn|error (env CONTRAST_LOG_LEVEL)");
cli.option("-v, --version", "print version and build info");
cli.help((sections) => [...sections, { body: EXIT_CODE_HELP }]);

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

const args = process.argv.slice(2);
if (args[0] === "--version" || args[0] === "-v") {
  process.stdout.write(`${versionText()}\n`);
} else {
  await parseAndRun(cli, args);
}
