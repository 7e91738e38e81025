// Generator settings (our own defaults, embedded; `-s/--settings` replaces them) and the loader that checks their shape.

import { ConfigError, ParseError } from "../common/errors.ts";
import { parseCidr } from "../common/ip-address.ts";
import { checkRe2 } from "../rego/re2/index.ts";
import defaults from "./default-settings.json" with { type: "json" };

export interface PolicyStorage {
  readonly driver: string;
  readonly driver_options: readonly string[];
  readonly source: string;
  readonly fstype: string;
  readonly options: readonly string[];
  readonly mount_point: string;
  readonly fs_group: null | { group_id: number; group_change_policy: number };
  readonly shared: boolean;
}

export interface Settings {
  readonly common: {
    readonly cpath: string;
    readonly root_path: string;
    readonly bundle_id_regex: string;
    readonly shared_file_regex: string;
    readonly default_path_env: string;
    readonly default_caps: readonly string[];
    readonly privileged_caps: readonly string[];
    readonly masked_paths: readonly string[];
    readonly readonly_paths: readonly string[];
    readonly cgroup_mount_extras_allowed: readonly string[];
  };
  readonly pause_container: {
    readonly image_source_regex: string;
    readonly Args: readonly string[];
    readonly UID: number;
    readonly GID: number;
    readonly Sysctl: Readonly<Record<string, string>>;
  };
  readonly sandbox: { readonly storages: readonly PolicyStorage[] };
  readonly request_defaults: Readonly<Record<string, unknown>> & {
    readonly CreateContainerRequest: { readonly allow_env_regex: readonly string[] };
    readonly ExecProcessRequest: {
      readonly allowed_commands: readonly (readonly string[])[];
      readonly regex: readonly string[];
    };
    readonly CopyFileRequest: { readonly shared_dirs: readonly string[]; readonly entry_regex: string };
  };
}

/** The embedded default settings file, byte for byte, for writing `settings.json` on first run. */
export const DEFAULT_SETTINGS_TEXT = `${JSON.stringify(defaults, null, 2)}\n`;

function requireObject(v: unknown, field: string): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new ConfigError("settings_invalid", `settings ${field} expected an object, got ${typeof v}`, {
      field,
    });
  }
  return v as Record<string, unknown>;
}

function requireStrings(v: unknown, field: string): void {
  if (!Array.isArray(v) || v.some((x) => typeof x !== "string")) {
    throw new ConfigError("settings_invalid", `settings ${field} expected an array of strings`, { field });
  }
}

/** The rules match these with regex.match: RE2, on the linear-time engine; what it cannot run is refused here. */
function checkRegex(pattern: unknown, field: string): void {
  const problem = typeof pattern === "string" ? checkRe2(pattern) : "not a string";
  if (problem !== undefined) {
    throw new ConfigError(
      "settings_invalid",
      `settings ${field} expected a valid RE2 regex, got ${String(pattern)} (${problem})`,
      { field },
    );
  }
}

/** A regex that must match the whole value: `regex.match` searches, so an unanchored pattern would allow more. */
function checkAnchoredRegex(pattern: unknown, field: string): void {
  checkRegex(pattern, field);
  if (typeof pattern !== "string" || !pattern.startsWith("^") || !pattern.endsWith("$")) {
    throw new ConfigError(
      "settings_invalid",
      `settings ${field} expected a regex anchored with ^ and $, got ${String(pattern)}`,
      { field },
    );
  }
}

/** CIDRs in the one spelling the rules' address parser reads (Go's, prefix without leading zeros). */
function checkCidrs(v: unknown, field: string): void {
  requireStrings(v, field);
  for (const c of v as string[]) {
    if (parseCidr(c) === undefined || !/\/(?:0|[1-9][0-9]*)$/.test(c)) {
      throw new ConfigError(
        "settings_invalid",
        `settings ${field} expected CIDR networks, got ${JSON.stringify(c)}`,
        {
          field,
        },
      );
    }
  }
}

function checkCanonicalPaths(v: unknown, field: string): void {
  requireStrings(v, field);
  for (const d of v as string[]) {
    if (!/^(?:\/[^/]+)+$/.test(d) || d.split("/").some((p) => p === "." || p === "..")) {
      throw new ConfigError(
        "settings_invalid",
        `settings ${field} expected canonical absolute paths, got ${JSON.stringify(d)}`,
        { field },
      );
    }
  }
}

/** The request settings the rules read: a malformed entry would make a deny check match nothing. */
function checkRequestDefaults(rd: Record<string, unknown>): void {
  const f = "request_defaults.CopyFileRequest";
  if (Array.isArray(rd.CopyFileRequest)) {
    throw new ConfigError(
      "settings_invalid",
      `settings ${f} expected {shared_dirs, entry_regex}, got a list of path regexes (settings.json of an older contrast: delete it to get the current default)`,
      { field: f },
    );
  }
  const copy = requireObject(rd.CopyFileRequest, f);
  checkCanonicalPaths(copy.shared_dirs, `${f}.shared_dirs`);
  checkAnchoredRegex(copy.entry_regex, `${f}.entry_regex`);
  const net = (k: string) => requireObject(rd[k], `request_defaults.${k}`);
  const iface = net("UpdateInterfaceRequest");
  checkCidrs(
    iface.forbidden_address_cidrs,
    "request_defaults.UpdateInterfaceRequest.forbidden_address_cidrs",
  );
  requireStrings(iface.forbidden_hw_addrs, "request_defaults.UpdateInterfaceRequest.forbidden_hw_addrs");
  for (const m of iface.forbidden_hw_addrs as string[]) {
    if (!/^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}$/.test(m)) {
      throw new ConfigError(
        "settings_invalid",
        `settings request_defaults.UpdateInterfaceRequest.forbidden_hw_addrs expected aa:bb:cc:dd:ee:ff, got ${JSON.stringify(m)}`,
        { field: "request_defaults.UpdateInterfaceRequest.forbidden_hw_addrs" },
      );
    }
  }
  checkCidrs(
    net("UpdateRoutesRequest").forbidden_source_cidrs,
    "request_defaults.UpdateRoutesRequest.forbidden_source_cidrs",
  );
  checkCidrs(
    net("AddARPNeighborsRequest").forbidden_cidrs,
    "request_defaults.AddARPNeighborsRequest.forbidden_cidrs",
  );
}

/** Parses and shape-checks a settings file; ParseError for bad JSON, ConfigError for missing or mistyped keys. */
export function parseSettings(text: string): Settings {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ParseError("settings_not_json", "settings expected valid json", { cause: e });
  }
  const root = requireObject(raw, "settings");
  const common = requireObject(root.common, "common");
  for (const k of [
    "default_caps",
    "privileged_caps",
    "masked_paths",
    "readonly_paths",
    "cgroup_mount_extras_allowed",
  ]) {
    requireStrings(common[k], `common.${k}`);
  }
  for (const k of ["cpath", "root_path", "bundle_id_regex", "shared_file_regex", "default_path_env"]) {
    if (typeof common[k] !== "string")
      throw new ConfigError("settings_invalid", `settings common.${k} expected a string`);
  }
  // Checked as the rules use them: the bundle ID pattern inside a group, the shared-file prefix with the
  // $(bundle-id) placeholder filled in.
  checkRegex(`^/run/kata-containers/(${common.bundle_id_regex})/rootfs$`, "common.bundle_id_regex");
  checkRegex(
    `${String(common.shared_file_regex).replaceAll("$(bundle-id)", "0".repeat(64))}name$`,
    "common.shared_file_regex",
  );
  const pause = requireObject(root.pause_container, "pause_container");
  checkRegex(pause.image_source_regex, "pause_container.image_source_regex");
  requireStrings(pause.Args, "pause_container.Args");
  requireObject(pause.Sysctl, "pause_container.Sysctl");
  const sandbox = requireObject(root.sandbox, "sandbox");
  if (!Array.isArray(sandbox.storages))
    throw new ConfigError("settings_invalid", "settings sandbox.storages expected an array");
  const rd = requireObject(root.request_defaults, "request_defaults");
  const ccr = requireObject(rd.CreateContainerRequest, "request_defaults.CreateContainerRequest");
  requireStrings(ccr.allow_env_regex, "request_defaults.CreateContainerRequest.allow_env_regex");
  for (const [i, r] of (ccr.allow_env_regex as string[]).entries()) {
    checkRegex(r, `request_defaults.CreateContainerRequest.allow_env_regex[${i}]`);
  }
  const exec = requireObject(rd.ExecProcessRequest, "request_defaults.ExecProcessRequest");
  requireStrings(exec.regex, "request_defaults.ExecProcessRequest.regex");
  for (const [i, r] of (exec.regex as string[]).entries()) {
    checkRegex(r, `request_defaults.ExecProcessRequest.regex[${i}]`);
  }
  checkRequestDefaults(rd);
  return raw as Settings;
}

/** The embedded defaults as a typed object. */
export function defaultSettings(): Settings {
  return parseSettings(DEFAULT_SETTINGS_TEXT);
}
