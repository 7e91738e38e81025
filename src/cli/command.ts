// Helpers shared by all subcommands: the action wrapper (errors → stderr + exit code) and command groups.

import { type CAC, cac } from "cac";
import { ContrastError } from "../common/errors.ts";
import { createLogger, type Logger, type LogLevel, parseLogLevel } from "../common/log.ts";
import { EXIT_CODE_HELP, exitCodeFor, UsageError } from "./exit-codes.ts";

/** The frozen per-invocation CLI config: built once from global flags and env, passed down. */
export interface CliContext {
  readonly logLevel: LogLevel;
  readonly log: Logger;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export function createCliContext(logLevelFlag: unknown, env: Record<string, string | undefined>): CliContext {
  const raw = typeof logLevelFlag === "string" ? logLevelFlag : (env.CONTRAST_LOG_LEVEL ?? "warn");
  const level = parseLogLevel(raw);
  if (!level)
    throw new UsageError(
      "invalid_log_level",
      `--log-level: expected debug|info|warn|error, got ${JSON.stringify(raw)}`,
    );
  return Object.freeze({
    logLevel: level,
    log: createLogger({ level, format: "text" }),
    env: Object.freeze({ ...env }),
  });
}

/**
 * Runs a command body: any thrown error is printed to stderr as `error: <message> (<code>)` and
 * mapped to the documented exit code. A body may return an exit code itself (e.g. 5 after printing JSON).
 */
export async function runAction(
  body: () => Promise<number | undefined | void> | number | undefined | void,
): Promise<void> {
  try {
    const code = await body();
    process.exitCode = typeof code === "number" ? code : 0;
  } catch (err) {
    reportError(err);
    process.exitCode = exitCodeFor(err);
  }
}

export function reportError(err: unknown): void {
  if (err instanceof ContrastError) {
    process.stderr.write(`error: ${err.message} (${err.code})\n`);
  } else if (err instanceof Error) {
    process.stderr.write(`error: ${err.message}\n`);
    if (process.env.CONTRAST_DEBUG_STACK) process.stderr.write(`${err.stack}\n`);
  } else {
    process.stderr.write(`error: ${String(err)}\n`);
  }
}

/** Groups registered on a cac instance: `contrast attestation verify …` is dispatched to a nested cac. */
const GROUPS = new WeakMap<CAC, Map<string, (sub: CAC) => void>>();

/**
 * Registers `name <action> ...` whose actions are commands of a nested cac instance, so that
 * `contrast attestation verify --flag` gets its own flags and help. The root command only lists the group in
 * `--help`; `parseAndRun` dispatches to the group before the root parser sees any flag.
 */
export function registerGroup(cli: CAC, name: string, description: string, build: (sub: CAC) => void): void {
  const groups = GROUPS.get(cli) ?? new Map<string, (sub: CAC) => void>();
  GROUPS.set(cli, groups);
  groups.set(name, build);
  cli.command(`${name} <command>`, description).allowUnknownOptions();
}

/** Parses argv (without node and script) and runs the matched command; unknown commands exit 2. */
export async function parseAndRun(cli: CAC, args: string[]): Promise<void> {
  const group = args[0] === undefined ? undefined : GROUPS.get(cli)?.get(args[0]);
  if (group) {
    const sub = cac(`${cli.name} ${args[0]}`);
    sub.option("--log-level <level>", "debug|info|warn|error (env CONTRAST_LOG_LEVEL)");
    group(sub);
    sub.help((sections) => [...sections, { body: EXIT_CODE_HELP }]);
    await parseAndRun(sub, args.slice(1));
    return;
  }
  try {
    cli.parse(["contrast", "contrast", ...args], { run: false });
    if (cli.options.help || cli.options.h) return; // cac printed help already
    if (!cli.matchedCommand) {
      if (args.length > 0 && !args[0]!.startsWith("-")) {
        process.stderr.write(`error: unknown command ${JSON.stringify(args[0])}; see ${cli.name} --help\n`);
        process.exitCode = 2;
        return;
      }
      cli.outputHelp();
      process.exitCode = args.length === 0 ? 0 : 2;
      return;
    }
    await cli.runMatchedCommand();
  } catch (err) {
    reportError(err);
    process.exitCode = exitCodeFor(err);
  }
}
