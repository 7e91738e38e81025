// Helpers shared by all subcommands: the one argv reader, help, command groups, and the action wrappers
// (errors → stderr + exit code; with --json one object on stdout, also on failure).

import { type CAC, type Command, cac } from "cac";
import { ContrastError, PolicyError, UsageError } from "../common/errors.ts";
import { createLogger, type Logger, type LogLevel, readLogLevel } from "../common/log.ts";
import { parseCommandLine } from "./argv.ts";
import { EXIT_CODE_HELP, exitCodeFor } from "./exit-codes.ts";

/** The frozen per-invocation CLI config: built once from global flags and env, passed down. */
export interface CliContext {
  readonly logLevel: LogLevel;
  readonly log: Logger;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export function createCliContext(logLevelFlag: unknown, env: Record<string, string | undefined>): CliContext {
  const raw = typeof logLevelFlag === "string" ? logLevelFlag : (env.CONTRAST_LOG_LEVEL ?? "warn");
  const level = readLogLevel(raw);
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

/** What a command with `--json` reports: members of its one JSON object, and human text for stdout. */
export interface CommandOutput {
  /** A member of the JSON object (printed once, at the end, with --json). */
  set(key: string, value: unknown): void;
  /** Human text for stdout, written at once; dropped with --json. */
  print(text: string): void;
}

/**
 * `runAction` for commands with `--json`: stdout then carries exactly one JSON object, the members the body set,
 * and on failure also `error: { code, message, exitCode }` (see `errorJson`). Diagnostics still go to stderr.
 */
export async function runJsonAction(
  json: unknown,
  body: (out: CommandOutput) => Promise<number | undefined | void> | number | undefined | void,
): Promise<void> {
  const members: Record<string, unknown> = {};
  const out: CommandOutput = {
    set: (key, value) => {
      members[key] = value;
    },
    print: (text) => {
      if (json !== true) process.stdout.write(text);
    },
  };
  let error: Record<string, unknown> | undefined;
  try {
    const code = await body(out);
    process.exitCode = typeof code === "number" ? code : 0;
  } catch (err) {
    reportError(err);
    process.exitCode = exitCodeFor(err);
    error = errorJson(err);
  }
  if (json === true) {
    const object = error === undefined ? members : { ...members, error };
    process.stdout.write(`${JSON.stringify(object, null, 2)}\n`);
  }
}

/** The `error` member of a `--json` object: stable code, message, the exit code, and every mismatch if several. */
export function errorJson(err: unknown): {
  code: string;
  message: string;
  exitCode: number;
  mismatches?: readonly string[];
} {
  const code = err instanceof ContrastError ? err.code : "internal_error";
  const message = err instanceof Error ? err.message : String(err);
  const mismatches = err instanceof PolicyError && err.mismatches.length > 0 ? err.mismatches : undefined;
  return { code, message, exitCode: exitCodeFor(err), ...(mismatches ? { mismatches } : {}) };
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

/**
 * `--help` of `cli`: a command's description right after its usage line (cac prints none), its examples, and the
 * exit-code table once, in the root help (`root`). `description` is shown in the help of a group without a command.
 */
export function configureHelp(cli: CAC, opts: { root: boolean; description?: string }): void {
  cli.help((sections) => {
    const out = [...sections];
    const description = cli.matchedCommand?.description ?? opts.description;
    if (description) out.splice(out.findIndex((s) => s.title === "Usage") + 1, 0, { body: description });
    if (opts.root && cli.matchedCommand === undefined) out.push({ body: EXIT_CODE_HELP });
    return out;
  });
}

/** Groups registered on a cac instance: `contrast attestation verify …` is dispatched to a nested cac. */
interface Group {
  readonly description: string;
  readonly build: (sub: CAC) => void;
}
const GROUPS = new WeakMap<CAC, Map<string, Group>>();

/**
 * Registers `name <action> ...` whose actions are commands of a nested cac instance, so that
 * `contrast attestation verify --flag` gets its own flags and help. The root command only lists the group in
 * `--help`; `parseAndRun` dispatches to the group before the root parser sees any flag.
 */
export function registerGroup(cli: CAC, name: string, description: string, build: (sub: CAC) => void): void {
  const groups = GROUPS.get(cli) ?? new Map<string, Group>();
  GROUPS.set(cli, groups);
  groups.set(name, { description, build });
  cli.command(`${name} <command>`, description).allowUnknownOptions();
}

function buildGroup(cli: CAC, name: string, group: Group): CAC {
  const sub = cac(`${cli.name} ${name}`);
  sub.option("--log-level <level>", "debug|info|warn|error (env CONTRAST_LOG_LEVEL)");
  group.build(sub);
  configureHelp(sub, { root: false, description: group.description });
  return sub;
}

/** Every runnable command, group members included: `path` is what follows `contrast` (e.g. `["keys", "new"]`). */
export function listCommands(cli: CAC): { path: string[]; owner: CAC; command: Command }[] {
  const groups = GROUPS.get(cli);
  return cli.commands.flatMap((command) => {
    const group = groups?.get(command.name);
    if (group === undefined) return [{ path: [command.name], owner: cli, command }];
    return listCommands(buildGroup(cli, command.name, group)).map((e) => ({
      ...e,
      path: [command.name, ...e.path],
    }));
  });
}

/** The command argv selects, with its positional arguments and flags read by `parseCommandLine`. */
export interface SelectedCommand {
  readonly owner: CAC;
  readonly command: Command;
  readonly args: string[];
  readonly options: Record<string, unknown>;
}

/**
 * cac matches the command and prints help; the command's arguments are then read against its option table (see
 * argv.ts). Returns undefined when there is nothing to run (help printed, or no command: exit code set).
 */
export function selectCommand(cli: CAC, args: readonly string[]): SelectedCommand | undefined {
  const group = args[0] === undefined ? undefined : GROUPS.get(cli)?.get(args[0]);
  if (group) return selectCommand(buildGroup(cli, args[0]!, group), args.slice(1));
  cli.parse(["contrast", "contrast", ...args], { run: false });
  if (cli.options.help || cli.options.h) return undefined; // cac printed help already
  const command = cli.matchedCommand;
  if (!command) {
    if (args.length > 0 && !args[0]!.startsWith("-")) {
      throw new UsageError(
        "unknown_command",
        `unknown command ${JSON.stringify(args[0])}; see ${cli.name} --help`,
      );
    }
    cli.outputHelp();
    process.exitCode = args.length === 0 ? 0 : 2;
    return undefined;
  }
  const grouped = GROUPS.get(cli)?.get(command.name);
  if (grouped) {
    // `contrast --log-level debug keys new …`: the group's name came after a global flag
    const at = args.indexOf(command.name);
    return selectCommand(buildGroup(cli, command.name, grouped), [
      ...args.slice(0, at),
      ...args.slice(at + 1),
    ]);
  }
  const where = `${cli.name} ${command.name}`;
  const parsed = parseCommandLine(args, [...cli.globalCommand.options, ...command.options], {
    where,
    allowUnknown: command.config.allowUnknownOptions === true,
    ignoreDefaults: command.config.ignoreOptionDefaultValue === true,
  });
  if (parsed.args[0] !== cli.matchedCommandName)
    throw new UsageError("invalid_argument", `${where}: expected the command name before its flags`);
  return { owner: cli, command, args: parsed.args.slice(1), options: parsed.options };
}

/** Parses argv (without node and script) and runs the matched command; usage errors exit 2. */
export async function parseAndRun(cli: CAC, args: string[]): Promise<void> {
  try {
    const selected = selectCommand(cli, args);
    if (selected === undefined) return;
    selected.owner.args = selected.args;
    selected.owner.options = selected.options;
    await selected.owner.runMatchedCommand();
  } catch (err) {
    reportError(err);
    process.exitCode = exitCodeFor(err);
  }
}
