// Entry point of the `contrast` binary: `--version`, else the command line of src/cli/commands.ts.
import "reflect-metadata";
import { createContrastCli } from "./cli/commands.ts";
import { versionText } from "./cli/version.ts";
import { parseAndRun } from "./command/command.ts";

const args = process.argv.slice(2);
if (args[0] === "--version" || args[0] === "-v") {
  process.stdout.write(`${versionText()}\n`);
} else {
  await parseAndRun(createContrastCli(), args);
}
