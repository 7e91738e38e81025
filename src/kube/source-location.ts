// Where a Kubernetes object came from (file, document index, kind, name), for error messages.

export interface SourceLocation {
  readonly file: string;
  /** 0-based index of the YAML document inside the file. */
  readonly docIndex: number;
  readonly kind?: string;
  readonly name?: string;
}

/** Formats `guestbook.yaml#2 (Deployment frontend)`; kind/name are left out when unknown. */
export function describeLocation(loc: SourceLocation): string {
  const base = `${loc.file}#${loc.docIndex}`;
  if (loc.kind === undefined && loc.name === undefined) return base;
  return `${base} (${[loc.kind ?? "?", loc.name ?? "?"].join(" ")})`;
}

/** Field path for `ContrastError.field`: `<file>#<doc>.<path>`. */
export function locationField(loc: SourceLocation, path: readonly (string | number)[]): string {
  let out = `${loc.file}#${loc.docIndex}`;
  for (const p of path) out += typeof p === "number" ? `[${p}]` : `.${p}`;
  return out;
}
