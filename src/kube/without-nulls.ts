// `key: null` in a Kubernetes object means "unset" (the API server drops it), so the policy code never sees it:
// found by the CLI fuzzing of issue 15 §2, where `args:` with nothing after it reached code expecting an array.

/** A copy of `value` without object entries whose value is null, at any depth (array items are kept). */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, withoutNulls(v)]),
  );
}
