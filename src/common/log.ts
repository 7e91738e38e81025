// A tiny leveled logger: text lines for the CLI, JSON lines for servers. Always writes to stderr.
//
// Never pass secrets, seeds or private keys; digests and nonces may be logged in hex.

import { UsageError } from "./errors.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFormat = "text" | "json";

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export function parseLogLevel(s: string): LogLevel | undefined {
  const l = s.toLowerCase();
  return l === "debug" || l === "info" || l === "warn" || l === "error" ? l : undefined;
}

/** The `--log-level` value (flag or CONTRAST_LOG_LEVEL) of any component; anything else is a usage error. */
export function readLogLevel(raw: string): LogLevel {
  const level = parseLogLevel(raw);
  if (level === undefined)
    throw new UsageError(
      "invalid_flag",
      `--log-level: expected debug|info|warn|error, got ${JSON.stringify(raw)}`,
      {
        field: "log-level",
      },
    );
  return level;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  write?: (line: string) => void;
  now?: () => Date;
}

export function createLogger(opts: LoggerOptions = {}, base: Record<string, unknown> = {}): Logger {
  const min = ORDER[opts.level ?? "info"];
  const format = opts.format ?? "text";
  const write = opts.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const now = opts.now ?? (() => new Date());
  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] < min) return;
    const all = { ...base, ...fields };
    if (format === "json") {
      write(JSON.stringify({ time: now().toISOString(), level, msg, ...all }));
    } else {
      const extra = Object.entries(all)
        .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
        .join(" ");
      write(`${level}: ${msg}${extra ? ` ${extra}` : ""}`);
    }
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
    child: (fields) => createLogger(opts, { ...base, ...fields }),
  };
}

/** A logger that drops everything (library defaults, tests). */
export const silentLogger: Logger = createLogger({ level: "error", write: () => {} });
