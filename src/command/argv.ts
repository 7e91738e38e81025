// The one reader of argv for every command: each flag takes its kind from the command's cac option table, and every
// value stays the string the user typed.
//
// cac 7 parses with mri, which turns numeric-looking values into numbers (`-o 12345`, host data `00…01` → 1) and
// knows boolean flags only by their camel-cased names, so `--skip-initializer deploy/` sets skipInitializer to
// "deploy/". cac still matches the command and prints help; this parser then rebuilds the command's arguments.
//
// The table is cac's own option declarations:
//   `--name`               boolean: never takes the next argument; `--name=true|false` is accepted
//   `--no-name`            negated boolean (cac: name defaults to true)
//   `--name <value>`       exactly one string value (`--name value` or `--name=value`; given twice is a usage error)
//   `--name <value>` with `{ type: [String] }`   repeatable: always an array of strings
//   `--name [value]`       optional string value (true when none follows)

import type { Command } from "cac";
import { UsageError } from "../common/errors.ts";

export type CacOption = Command["options"][number];

export interface ParsedCommandLine {
  /** Positional arguments, strings as typed; those after `--` included. */
  readonly args: string[];
  /** Flag values keyed by every name of the flag (camel case, aliases too), as cac's actions expect. */
  readonly options: Record<string, unknown>;
}

export interface ParseOptions {
  /** `contrast set`, for messages. */
  readonly where: string;
  /** Unknown flags are kept (as cac's `allowUnknownOptions`) instead of being a usage error. */
  readonly allowUnknown?: boolean;
  /** Do not fill in `config.default` values (cac's `ignoreOptionDefaultValue`). */
  readonly ignoreDefaults?: boolean;
}

/** cac's rule for option names: `skip-initializer` → `skipInitializer`. */
export function camelCaseFlag(name: string): string {
  return name.replaceAll(/([a-z])-([a-z])/g, (_, a: string, b: string) => a + b.toUpperCase());
}

export function isRepeatable(o: CacOption): boolean {
  return Array.isArray(o.config.type);
}

/** Parses `argv` (everything after the program name) against `table`; throws UsageError for what does not fit. */
export function parseCommandLine(
  argv: readonly string[],
  table: readonly CacOption[],
  opts: ParseOptions,
): ParsedCommandLine {
  const byName = new Map<string, CacOption>();
  for (const o of table) for (const n of o.names) byName.set(n, o);
  const args: string[] = [];
  const rest: string[] = [];
  const values = new Map<CacOption, unknown>();
  const unknown: Record<string, unknown> = {};

  const set = (o: CacOption, flag: string, value: string | boolean) => {
    if (isRepeatable(o)) {
      const list = (values.get(o) as unknown[] | undefined) ?? [];
      const convert = o.config.type?.[0] as ((v: unknown) => unknown) | undefined;
      list.push(typeof convert === "function" ? convert(value) : value);
      values.set(o, list);
    } else if (o.isBoolean || !values.has(o) || values.get(o) === value) {
      values.set(o, value);
    } else {
      throw new UsageError(
        "invalid_flag",
        `${flag}: expected one value, got ${JSON.stringify(values.get(o))} and ${JSON.stringify(value)}`,
      );
    }
  };

  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === "--") {
      rest.push(...argv.slice(i + 1));
      break;
    }
    if (!token.startsWith("-") || token === "-") {
      args.push(token);
      continue;
    }
    const long = token.startsWith("--");
    const eq = token.indexOf("=");
    const body = token.slice(long ? 2 : 1, eq < 0 ? undefined : eq);
    const inline = eq < 0 ? undefined : token.slice(eq + 1);
    // `-abc` is three short booleans; only the last may take a value.
    const names = long ? [body] : [...body];
    for (const [k, raw] of names.entries()) {
      const last = k === names.length - 1;
      const flag = `${long ? "--" : "-"}${raw}`;
      const direct = byName.get(camelCaseFlag(raw));
      const negatedOf =
        direct === undefined && long && raw.startsWith("no-")
          ? byName.get(camelCaseFlag(raw.slice(3)))
          : undefined;
      const o = direct ?? (negatedOf?.isBoolean ? negatedOf : undefined);
      if (o === undefined) {
        if (!opts.allowUnknown)
          throw new UsageError(
            "unknown_flag",
            `${flag}: no such flag for ${opts.where}; see ${opts.where} --help`,
          );
        unknown[camelCaseFlag(raw)] = last && inline !== undefined ? inline : true;
        continue;
      }
      if (o.isBoolean) {
        const value = last ? booleanValue(flag, inline) : true;
        set(o, flag, o === negatedOf ? !value : value);
        continue;
      }
      if (!last)
        throw new UsageError("invalid_flag", `${flag}: takes a value, so it must come last in ${token}`);
      if (inline !== undefined) {
        set(o, flag, inline);
        continue;
      }
      const next = argv[i + 1];
      if (next !== undefined && (!next.startsWith("-") || next === "-")) {
        set(o, flag, next);
        i++;
      } else if (o.required === false) {
        set(o, flag, true);
      } else {
        throw new UsageError(
          "missing_argument",
          `${flag}: expected a value, got ${next === undefined ? "none" : JSON.stringify(next)} (write ${flag}=VALUE for a value that starts with -)`,
        );
      }
    }
  }

  const options: Record<string, unknown> = { "--": rest, ...unknown };
  for (const o of table) {
    const value = values.has(o) ? values.get(o) : opts.ignoreDefaults ? undefined : o.config.default;
    if (value === undefined) continue;
    for (const n of o.names) options[n] = value;
  }
  return { args: [...args, ...rest], options };
}

function booleanValue(flag: string, inline: string | undefined): boolean {
  if (inline === undefined || inline === "true") return true;
  if (inline === "false") return false;
  throw new UsageError(
    "invalid_flag",
    `${flag}: expected no value, true or false, got ${JSON.stringify(inline)}`,
  );
}
