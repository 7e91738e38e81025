// Where containerd's config lives on this node and which units run it: defaults, K3s, RKE2, or a target config.

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { ConfigError } from "../common/errors.ts";

export type ContainerdFlavor = "containerd" | "k3s" | "rke2" | "target-config";

export interface ContainerdTarget {
  readonly flavor: ContainerdFlavor;
  /** Absolute path as the host sees it (prefix with the host root to open it). */
  readonly configPath: string;
  /** For a `.tmpl` path: the config K3s/RKE2 rendered from it, read as the base and for the version. */
  readonly renderedPath: string | undefined;
  /** systemd units to restart, tried in order; the first active one is restarted (edgelesssys/contrast nodeinstaller). */
  readonly units: readonly string[];
}

/** Keys of the `contrast-node-installer-target-config` ConfigMap (edgelesssys/contrast nodeinstaller, edgelesssys/contrast internal/kuberesource). */
export interface TargetConfig {
  readonly containerdConfigPath: string | undefined;
  readonly systemdUnits: readonly string[] | undefined;
}

const KEYS = ["containerd-config-path", "systemd-unit-name"] as const;

const K3S_DIR = "/var/lib/rancher/k3s/agent/etc/containerd";
const RKE2_DIR = "/var/lib/rancher/rke2/agent/etc/containerd";

function readEntries(path: string): Record<string, unknown> {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch (e) {
    throw new ConfigError("target_config_unreadable", `--config: cannot read ${path}`, {
      field: "--config",
      cause: e,
    });
  }
  if (!st.isDirectory()) {
    const doc: unknown = parseYaml(readFileSync(path, "utf8"));
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) {
      throw new ConfigError(
        "target_config_invalid",
        `--config: expected a mapping of keys, got ${typeof doc}`,
        {
          field: "--config",
        },
      );
    }
    return doc as Record<string, unknown>;
  }
  // A mounted ConfigMap: one file per key, plus kubelet's `..data` bookkeeping entries.
  const out: Record<string, unknown> = {};
  for (const name of readdirSync(path))
    if (!name.startsWith("..")) out[name] = readFileSync(join(path, name), "utf8");
  return out;
}

/** Reads a target config from a mounted ConfigMap directory or a YAML/JSON file; unknown keys are refused. */
export function readTargetConfig(path: string): TargetConfig {
  const entries = readEntries(path);
  for (const [k, v] of Object.entries(entries)) {
    if (!(KEYS as readonly string[]).includes(k)) {
      throw new ConfigError(
        "target_config_invalid",
        `--config: expected keys ${KEYS.join(", ")}, got ${JSON.stringify(k)}`,
        {
          field: k,
        },
      );
    }
    if (typeof v !== "string" || v.trim() === "") {
      throw new ConfigError("target_config_invalid", `${k}: expected non-empty string, got ${typeof v}`, {
        field: k,
      });
    }
  }
  const cfgPath = (entries["containerd-config-path"] as string | undefined)?.trim();
  if (cfgPath !== undefined && (cfgPath.split("/").includes("..") || !/\.toml(\.tmpl)?$/.test(cfgPath))) {
    throw new ConfigError(
      "target_config_invalid",
      `containerd-config-path: expected a .toml or .toml.tmpl path without '..', got ${JSON.stringify(cfgPath)}`,
      { field: "containerd-config-path" },
    );
  }
  const units = (entries["systemd-unit-name"] as string | undefined)
    ?.split(",")
    .map((u) => u.trim())
    .filter((u) => u !== "");
  if (units?.some((u) => !/^[A-Za-z0-9@._:-]+$/.test(u))) {
    throw new ConfigError(
      "target_config_invalid",
      `systemd-unit-name: expected unit names, got ${JSON.stringify(units.join(","))}`,
      { field: "systemd-unit-name" },
    );
  }
  return Object.freeze({
    containerdConfigPath: cfgPath === undefined ? undefined : `/${cfgPath.replace(/^\/+/, "")}`,
    systemdUnits: units && units.length > 0 ? Object.freeze(units) : undefined,
  });
}

function renderedOf(path: string): string | undefined {
  return path.endsWith(".tmpl") ? path.slice(0, -".tmpl".length) : undefined;
}

/** Distributions that template containerd's config in a directory of their own, and their units. */
const DISTRIBUTIONS = [
  { flavor: "k3s", dir: K3S_DIR, units: ["k3s.service", "k3s-agent.service"] },
  { flavor: "rke2", dir: RKE2_DIR, units: ["rke2-server.service", "rke2-agent.service"] },
] as const;

/** Picks the containerd config: target config, else K3s, else RKE2 (by their directories), else the default. */
export function resolveContainerdTarget(hostRoot: string, target?: TargetConfig): ContainerdTarget {
  const units = target?.systemdUnits;
  const at = (flavor: ContainerdFlavor, configPath: string, defaultUnits: readonly string[]) => ({
    flavor,
    configPath,
    renderedPath: renderedOf(configPath),
    units: units ?? defaultUnits,
  });
  if (target?.containerdConfigPath !== undefined)
    return at("target-config", target.containerdConfigPath, ["containerd.service"]);
  for (const d of DISTRIBUTIONS) {
    if (existsSync(join(hostRoot, d.dir))) return at(d.flavor, `${d.dir}/config.toml.tmpl`, d.units);
  }
  return at("containerd", "/etc/containerd/config.toml", ["containerd.service"]);
}
