// Adds the Contrast runtime to a containerd configuration, version 2 or 3, keeping every other key (edgelesssys/contrast nodeinstaller).

import { parse, stringify } from "smol-toml";
import { ConfigError } from "../common/errors.ts";

export type ContainerdConfigVersion = 2 | 3;

/** The CRI plugin that holds `containerd.runtimes` in each config version. */
export const CRI_PLUGIN: Record<ContainerdConfigVersion, string> = {
  2: "io.containerd.grpc.v1.cri",
  3: "io.containerd.cri.v1.runtime",
};

export const RUNTIME_TYPE = "io.containerd.contrast-cc.v2";

export interface RuntimeRegistration {
  readonly handler: string;
  /** Host path of the shim, `/opt/edgeless/<handler>/bin/containerd-shim-contrast-cc-v2`. */
  readonly runtimePath: string;
  /** Host path of the Kata configuration. */
  readonly kataConfigPath: string;
}

export interface PatchResult {
  readonly text: string;
  readonly changed: boolean;
  readonly version: ContainerdConfigVersion;
}

type Table = Record<string, unknown>;

/** The runtime table as containerd's CRI plugin reads it (`runtime_type` selects shim v2 `contrast-cc`). */
export function runtimeEntry(reg: RuntimeRegistration): Table {
  return {
    runtime_type: RUNTIME_TYPE,
    runtime_path: reg.runtimePath,
    pod_annotations: ["io.katacontainers.*"],
    privileged_without_host_devices: true,
    options: { ConfigPath: reg.kataConfigPath },
  };
}

function isTable(v: unknown): v is Table {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isTable(a) && isTable(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && deepEqual(a[k], b[k]));
  }
  return a === b;
}

/** Walks to (creating) a nested table; a non-table on the way is a config the installer must not overwrite. */
function subTable(parent: Table, keys: readonly string[], field: string): Table {
  let t = parent;
  let path = field;
  for (const k of keys) {
    path = `${path}.${k}`;
    if (t[k] === undefined) t[k] = {};
    const next = t[k];
    if (!isTable(next)) {
      throw new ConfigError("containerd_config_invalid", `${path}: expected table, got ${typeof next}`, {
        field: path,
      });
    }
    t = next;
  }
  return t;
}

/** Parses a containerd config; empty text is a fresh version 2 config (containerd 2.x migrates it). */
export function parseContainerdConfig(text: string | undefined, field: string): Table {
  if (text === undefined || text.trim() === "") return { version: 2 };
  try {
    return parse(text) as Table;
  } catch (e) {
    throw new ConfigError("containerd_config_invalid", `${field}: not valid toml`, { field, cause: e });
  }
}

export function containerdConfigVersion(doc: Table, field: string): ContainerdConfigVersion {
  const v = doc.version;
  if (v === 2 || v === 3) return v;
  throw new ConfigError(
    "containerd_config_version_unsupported",
    `${field}.version: expected 2 or 3, got ${v === undefined ? "nothing (version 1)" : JSON.stringify(v)}`,
    { field: `${field}.version` },
  );
}

/** The `runtimes` table of the CRI plugin for the config's version. */
function runtimesTable(doc: Table, version: ContainerdConfigVersion, field: string): Table {
  return subTable(doc, ["plugins", CRI_PLUGIN[version], "containerd", "runtimes"], field);
}

/**
 * Returns the config with `runtimes.<handler>` set to exactly `runtimeEntry(reg)`. When the entry is already
 * there the original text comes back unchanged (`changed: false`), so a second run never rewrites the file.
 */
export function patchContainerdConfig(
  text: string | undefined,
  reg: RuntimeRegistration,
  field = "containerd config",
): PatchResult {
  const doc = parseContainerdConfig(text, field);
  const version = containerdConfigVersion(doc, field);
  const runtimes = runtimesTable(doc, version, field);
  const want = runtimeEntry(reg);
  if (text !== undefined && deepEqual(runtimes[reg.handler], want)) return { text, changed: false, version };
  const fresh = runtimes[reg.handler] === undefined;
  runtimes[reg.handler] = want;
  const appended = fresh && text !== undefined ? appendBlock(text, doc, reg, version) : undefined;
  return { text: appended ?? `${stringify(doc)}\n`, changed: true, version };
}

/**
 * Appending the new table to the user's text keeps their comments and layout byte for byte. It is used only when
 * the result parses to exactly the patched document (it does not when e.g. `runtimes` is an inline table).
 */
function appendBlock(
  text: string,
  want: Table,
  reg: RuntimeRegistration,
  version: ContainerdConfigVersion,
): string | undefined {
  const sep = text === "" || text.endsWith("\n") ? "\n" : "\n\n";
  const candidate = `${text}${sep}${renderRuntimeBlock(reg, version)}`;
  try {
    return deepEqual(parse(candidate), want) ? candidate : undefined;
  } catch {
    return undefined;
  }
}

/** The runtime table alone, as TOML, for appending to a K3s/RKE2 Go template that cannot be parsed as TOML. */
export function renderRuntimeBlock(reg: RuntimeRegistration, version: ContainerdConfigVersion): string {
  const doc: Table = {
    plugins: { [CRI_PLUGIN[version]]: { containerd: { runtimes: { [reg.handler]: runtimeEntry(reg) } } } },
  };
  return `${stringify(doc)}\n`;
}
