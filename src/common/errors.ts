// The project's error hierarchy: one class per kind of failure, each owning its codes (src/common/codes.ts) and
// deciding the process exit code.
//
// Codes are part of the interface (CLI JSON output, HTTP error bodies, tests switch on them):
// never rename or reuse one. Messages are lower case, name the field, say "expected …, got …"
// with binary values in hex, and never contain key material.

import type {
  CodeKind,
  ConfigCode,
  ErrorCode,
  ParseCode,
  PolicyCode,
  UnavailableCode,
  UsageCode,
  VerificationCode,
} from "./codes.ts";

export type ErrorKind = CodeKind | "internal";

/** Process exit codes (documented in `contrast --help` and the README). */
export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  config: 3,
  verification: 4,
  policy: 5,
  unavailable: 6,
} as const;

const EXIT_OF_KIND: Record<ErrorKind, number> = {
  internal: EXIT.internal,
  usage: EXIT.usage,
  parse: EXIT.config,
  config: EXIT.config,
  verification: EXIT.verification,
  policy: EXIT.policy,
  unavailable: EXIT.unavailable,
};

export class ContrastError extends Error {
  readonly kind: ErrorKind = "internal";
  /** Stable snake_case code, e.g. `snp_bad_signature`. */
  readonly code: ErrorCode;
  /** Path of the offending field when there is one, e.g. `ReferenceValues.snp[0].MinimumTCB`. */
  readonly field: string | undefined;

  constructor(code: ErrorCode, message: string, options?: { field?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.field = options?.field;
    this.name = new.target.name;
  }

  /** The exit code a command ends with when this error reaches it. */
  get exitCode(): number {
    return EXIT_OF_KIND[this.kind];
  }

  toJSON(): { code: string; message: string; field?: string } {
    return this.field === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, field: this.field };
  }
}

type ErrorOptions = { field?: string; cause?: unknown };

/** An error class of one kind: it takes only the codes of its own table in `codes.ts`, and its kind decides the exit code. */
abstract class KindError<C extends ErrorCode> extends ContrastError {
  declare readonly code: C;
  constructor(code: C, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

/** Input bytes or text that do not have the expected shape (truncated report, bad PEM, bad JSON). */
export class ParseError extends KindError<ParseCode> {
  override readonly kind = "parse" as const;
}

/** Authenticity failed: a signature, certificate chain, revocation or validity-period check. */
export class VerificationError extends KindError<VerificationCode> {
  override readonly kind = "verification" as const;
}

/** Authentic evidence that does not meet the reference values or policy. */
export class PolicyError extends KindError<PolicyCode> {
  override readonly kind = "policy" as const;
  /** Every mismatch found, not just the first one. */
  readonly mismatches: readonly string[];
  constructor(
    code: PolicyCode,
    message: string,
    mismatches: readonly string[] = [],
    options?: { field?: string },
  ) {
    super(code, message, options);
    this.mismatches = mismatches;
  }
}

/** Bad configuration, files, manifest or reference values supplied by the user. */
export class ConfigError extends KindError<ConfigCode> {
  override readonly kind = "config" as const;
}

/** A command line that does not fit the command: bad flag combinations, missing or invalid arguments. */
export class UsageError extends KindError<UsageCode> {
  override readonly kind = "usage" as const;
}

/** A dependency could not be reached: collateral server, Coordinator, registry, device. */
export class UnavailableError extends KindError<UnavailableCode> {
  override readonly kind = "unavailable" as const;
}

export function isContrastError(e: unknown): e is ContrastError {
  return e instanceof ContrastError;
}

/** Formats a value for "got …" in messages without dumping huge inputs. */
export function describeValue(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (typeof v === "string") return JSON.stringify(v.length > 80 ? `${v.slice(0, 77)}...` : v);
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  if (Array.isArray(v)) return `array of ${v.length}`;
  if (typeof v === "object") return "object";
  return String(v);
}
