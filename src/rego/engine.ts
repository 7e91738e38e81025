// RegoEngine: load policy modules and base data, evaluate a rule for an input (the Kata agent's contract).

import { ParseError } from "../common/errors.ts";
import type { Module } from "./ast.ts";
import { type CompiledPolicy, compileModules } from "./compile.ts";
import { evalError, type SourceLocation } from "./errors.ts";
import { Evaluator } from "./eval.ts";
import { VirtualNode, walkVirtual } from "./eval-virtual.ts";
import type { IRTerm } from "./ir.ts";
import { parseModule } from "./parser.ts";
import { type ExplainTrace, Tracer } from "./trace.ts";
import { isObject, newObject, type RegoValue } from "./value.ts";
import { fromJson } from "./value-json.ts";

export interface RegoEngineOptions {
  /** Evaluation steps (expressions and iterations) per query before `rego_step_limit`. */
  readonly stepLimit?: number;
}

export interface EvalOptions {
  /** Record every rule body tried and the expression where it failed (for `policy explain`). */
  readonly explain?: boolean;
}

export interface EvalResult {
  /** The rule's value; undefined when no body succeeded and there is no default. */
  readonly value: RegoValue | undefined;
  /** Output of print calls, in evaluation order. */
  readonly prints: string[];
  /** Steps used by this evaluation. */
  readonly steps: number;
  readonly trace?: ExplainTrace;
}

export const DEFAULT_STEP_LIMIT = 20_000_000;

// Limits the Kata agent configures for regorus (Kata Containers src/agent/policy/src/policy.rs).
const MAX_POLICY_BYTES = 16 * 1024 * 1024;
const MAX_LINES = 200_000;
const MAX_LINE_BYTES = 64 * 1024;

const QUERY_LOC: SourceLocation = { file: "<query>", line: 1, col: 1, start: 0, end: 0 };

export class RegoEngine {
  private readonly modules = new Map<string, Module>();
  private compiled: CompiledPolicy = compileModules([]);
  private data: RegoValue = newObject();
  private readonly stepLimit: number;

  constructor(opts: RegoEngineOptions = {}) {
    const limit = opts.stepLimit ?? DEFAULT_STEP_LIMIT;
    if (!Number.isInteger(limit) || limit <= 0) {
      throw new ParseError("rego_invalid_option", `stepLimit: expected positive integer, got ${limit}`, {
        field: "stepLimit",
      });
    }
    this.stepLimit = limit;
  }

  /** Parses and compiles a module (replacing one with the same filename). Throws ParseError naming file:line:col. */
  addPolicy(filename: string, text: string): void {
    checkSize(filename, text);
    const next = new Map(this.modules);
    try {
      next.set(filename, parseModule(filename, text));
      this.compiled = compileModules([...next.values()]);
    } catch (e) {
      // Long operator chains build deep trees without deep parser recursion; compiling them may overflow.
      if (e instanceof RangeError)
        throw new ParseError("rego_syntax", `${filename}: expression nested too deeply`, { field: filename });
      throw e;
    }
    this.modules.set(filename, next.get(filename) as Module);
  }

  /** Replaces the base data document (e.g. `{ pstate: {} }`); it must be a JSON object. */
  setData(data: unknown): void {
    const v = fromJson(data, "data");
    if (!isObject(v)) throw new ParseError("rego_invalid_value", "data: expected object", { field: "data" });
    this.data = v;
  }

  /** Packages and rule names loaded, as `data.<pkg>.<rule>` paths (functions excluded). */
  rulePaths(): string[] {
    return this.compiled.ruleSets.filter((r) => r.kind !== "function").map((r) => `data.${r.path.join(".")}`);
  }

  /** Evaluates `data.<pkg>.<rule>` (dotted path) for `input`. */
  evalRule(path: string, input?: unknown, opts: EvalOptions = {}): EvalResult {
    const segments = parsePath(path);
    const tracer = opts.explain === true ? new Tracer((loc) => this.sourceText(loc)) : undefined;
    const ev = new Evaluator({
      root: this.compiled.root,
      data: this.data,
      input: input === undefined ? undefined : fromJson(input, "input"),
      stepLimit: this.stepLimit,
      tracer,
    });
    const ref: IRTerm[] = segments.map((s) => ({ t: "const", v: s, loc: QUERY_LOC }));
    let value: RegoValue | undefined;
    try {
      walkVirtual(ev, new VirtualNode(this.compiled.root, this.data), ref, 0, [], (v) => {
        value = v;
        return true;
      });
    } catch (e) {
      if (e instanceof RangeError)
        throw evalError("rego_stack_overflow", QUERY_LOC, `evaluation of ${path} nested too deeply`);
      throw e;
    }
    const base = { value, prints: ev.prints, steps: ev.steps };
    return tracer === undefined ? base : { ...base, trace: { entries: tracer.entries } };
  }

  private sourceText(loc: SourceLocation): string {
    const text = this.modules.get(loc.file)?.text ?? "";
    return text.slice(loc.start, loc.end);
  }
}

function checkSize(filename: string, text: string): void {
  const fail = (what: string) =>
    new ParseError("rego_too_large", `${filename}: ${what}`, { field: filename });
  if (text.length > MAX_POLICY_BYTES) throw fail(`policy larger than ${MAX_POLICY_BYTES} bytes`);
  let lines = 1;
  let start = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) {
    if (i - start > MAX_LINE_BYTES) throw fail(`line ${lines} longer than ${MAX_LINE_BYTES} bytes`);
    start = i + 1;
    if (++lines > MAX_LINES) throw fail(`more than ${MAX_LINES} lines`);
  }
  if (text.length - start > MAX_LINE_BYTES) throw fail(`line ${lines} longer than ${MAX_LINE_BYTES} bytes`);
}

function parsePath(path: string): string[] {
  const parts = path.split(".");
  if (parts[0] !== "data" || parts.slice(1).some((p) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(p))) {
    throw new ParseError(
      "rego_invalid_path",
      `rule path: expected data.<package>.<rule>, got ${JSON.stringify(path)}`,
      {
        field: "path",
      },
    );
  }
  return parts.slice(1);
}
