// Regex builtins (regex.match, regex.find_all_string_submatch_n, regex.split, …) over RE2 patterns, run on the
// linear-time matcher of ../re2 with Go's regexp semantics; the matcher's work counts against the step limit.

import {
  compileRe2,
  groupTexts,
  type Program,
  RegexStepLimitError,
  type RegexSteps,
  RegexSyntaxError,
  re2FindAll,
  re2Replace,
  re2Split,
  re2Test,
} from "../re2/index.ts";
import { type BuiltinContext, type BuiltinDef, fail, int, str } from "./args.ts";

/** Compiles (and caches) a RE2-dialect pattern; invalid patterns are builtin errors. */
export function compileRegex(pattern: string): Program {
  try {
    return compileRe2(pattern);
  } catch (e) {
    if (e instanceof RegexSyntaxError) return fail(`invalid regular expression: ${e.message}`);
    throw e;
  }
}

/** The steps the evaluation has left, for one matcher call; `settle` charges what the call used. */
function budget(ctx: BuiltinContext): RegexSteps {
  return { used: 0, limit: ctx.stepsLeft() };
}

/** Charges the steps of a finished call, or all of them and one more when the matcher ran out (step-limit error). */
function settle(ctx: BuiltinContext, steps: RegexSteps, err?: unknown): void {
  if (err instanceof RegexStepLimitError) ctx.charge(steps.limit + 1);
  ctx.charge(steps.used);
}

function metered<T>(ctx: BuiltinContext, f: (steps: RegexSteps) => T): T {
  const steps = budget(ctx);
  let out: T;
  try {
    out = f(steps);
  } catch (e) {
    settle(ctx, steps, e);
    throw e;
  }
  settle(ctx, steps);
  return out;
}

/** Unanchored search. */
export function regexMatch(pattern: string, value: string, ctx: BuiltinContext): boolean {
  const p = compileRegex(pattern);
  const steps = budget(ctx);
  let out: boolean;
  try {
    out = re2Test(p, value, steps);
  } catch (e) {
    settle(ctx, steps, e);
    throw e;
  }
  settle(ctx, steps);
  return out;
}

export const REGEX: Record<string, BuiltinDef> = {
  "regex.match": { arity: 2, fn: (a, ctx) => regexMatch(str(a, 0), str(a, 1), ctx) },
  "regex.is_valid": {
    arity: 1,
    fn: (a) => {
      try {
        compileRegex(str(a, 0));
        return true;
      } catch {
        return false;
      }
    },
  },
  "regex.find_all_string_submatch_n": {
    arity: 3,
    fn: (a, ctx) => {
      const s = str(a, 1);
      const p = compileRegex(str(a, 0));
      return metered(ctx, (steps) => re2FindAll(p, s, int(a, 2), steps).map((m) => groupTexts(s, m)));
    },
  },
  "regex.find_n": {
    arity: 3,
    fn: (a, ctx) => {
      const s = str(a, 1);
      const p = compileRegex(str(a, 0));
      return metered(ctx, (steps) =>
        re2FindAll(p, s, int(a, 2), steps).map((m) => groupTexts(s, m)[0] as string),
      );
    },
  },
  "regex.split": {
    arity: 2,
    fn: (a, ctx) => {
      const pattern = str(a, 0);
      const p = compileRegex(pattern);
      return metered(ctx, (steps) => re2Split(p, str(a, 1), steps, pattern === ""));
    },
  },
  "regex.replace": {
    arity: 3,
    fn: (a, ctx) => {
      const p = compileRegex(str(a, 1));
      return metered(ctx, (steps) => re2Replace(p, str(a, 0), str(a, 2), steps));
    },
  },
};
