// Entry point of the `contrast` binary: wires one subcommand per line, nothing else.
import "reflect-metadata";
import { cac } from "cac";
import { parseAndRun } from "./cli/command.ts";
import { registerCoordinator } from "./cli/coordinator.ts";
import { EXIT_CODE_HELP } from "./cli/exit-codes.ts";
import { registerMeasure } from "./cli/measure.ts";
import { registerSim } from "./cli/sim.ts";
import { versionText } from "./cli/version.ts";

const cli = cac("contrast");
cli.option("--log-level <level>", "debug|info|warn|error (env CONTRAST_LOG_LEVEL)");
cli.option("-v, --version", "print version and build info");
cli.help((sections) => [...sections, { body: EXIT_CODE_HELP }]);

registerCoordinator(cli);
registerSim(cli);
registerMeasure(cli);

const args = process.argv.slice(2);
if (args[0] === "--version" || args[0] === "-v") {
  process.stdout.write(`${versionText()}\n`);
} else {
  await parseAndRun(cli, args);
}
