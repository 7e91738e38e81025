// The project's error hierarchy: five classes, each carrying a stable machine-readable code.
//
// Codes are part of the interface (CLI JSON output, HTTP error bodies, tests switch on them):
// never rename or reuse one. Messages are lower case, name the field, say "expected …, got …"
// with binary values in hex, and never contain key material.

export type ErrorKind = "parse" | "verification" | "policy" | "config" | "unavailable" | "internal";

export class ContrastError extends Error {
  readonly kind: ErrorKind = "internal";
  /** Stable snake_case code, e.g. `snp_bad_signature`. */
  readonly code: string;
  /** Path of the offending field when there is one, e.g. `ReferenceValues.snp[0].MinimumTCB`. */
  readonly field: string | undefined;

  constructor(code: string, message: string, options?: { field?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.field = options?.field;
    this.name = new.target.name;
  }

  toJSON(): { code: string; message: string; field?: string } {
    return this.field === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, field: this.field };
  }
}

/** Input bytes or text that do not have the expected shape (truncated report, bad PEM, bad JSON). */
export class ParseError extends ContrastError {
  override readonly kind = "parse" as const;
}

/** Authenticity failed: a signature, certificate chain, revocation or validity-period check. */
export class VerificationError extends ContrastError {
  override readonly kind = "verification" as const;
}

/** Authentic evidence that does not meet the reference values or policy. */
export class PolicyError extends ContrastError {
  override readonly kind = "policy" as const;
  /** Every mismatch found, not just the first one. */
  readonly mismatches: readonly string[];
  constructor(
    code: string,
    message: string,
    mismatches: readonly string[] = [],
    options?: { field?: string },
  ) {
    super(code, message, options);
    this.mismatches = mismatches;
  }
}

/** Bad configuration, flags, manifest or reference values supplied by the user. */
export class ConfigError extends ContrastError {
  override readonly kind = "config" as const;
}

/** A dependency could not be reached: collateral server, Coordinator, registry, device. */
export class UnavailableError extends ContrastError {
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
