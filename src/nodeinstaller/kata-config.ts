// Renders a platform's Kata configuration TOML from its locked template (edgelesssys/contrast nodeinstaller).

import { parse, stringify } from "smol-toml";
import { ConfigError, ParseError } from "../common/errors.ts";
import { computeSri, parseSri, verifySri } from "../common/sri.ts";
import type { ArtifactRole, RuntimeLock } from "../platform/lock.ts";
import { parsePlatform } from "../platform/platforms.ts";
import { KATA_TEMPLATES } from "./kata-templates.ts";

export interface KataConfigOptions {
  /** Where the artifacts live as the host sees them: `/opt/edgeless/<handler>`. */
  readonly installDir: string;
  /** Replaces the template's `kernel_params` entirely (the reference's `QemuExtraKernelParams`). */
  readonly kernelParams?: string | undefined;
  /** Template texts by lock path; defaults to the embedded ones. */
  readonly templates?: Readonly<Record<string, string>>;
}

/** Hypervisor keys that take the install path of the artifact with that role. */
const PATH_KEYS: readonly [ArtifactRole, string][] = [
  ["hypervisor", "path"],
  ["kernel", "kernel"],
  ["initrd", "initrd"],
  ["image", "image"],
  ["firmware", "firmware"],
  ["igvm", "igvm"],
];

type Table = Record<string, unknown>;

function table(doc: Table, key: string, field: string): Table {
  const v = doc[key];
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new ParseError("kata_template_invalid", `${field}: expected table, got ${typeof v}`, { field });
  }
  return v as Table;
}

/** Looks up the template and checks it against the lock's integrity before using a byte of it. */
function loadTemplate(lock: RuntimeLock, templates: Readonly<Record<string, string>>): Table {
  const text = templates[lock.kataConfig.template];
  if (text === undefined) {
    throw new ConfigError(
      "kata_template_missing",
      `kataConfig.template: expected an embedded template, got ${JSON.stringify(lock.kataConfig.template)}`,
      { field: "kataConfig.template" },
    );
  }
  const expected = parseSri(lock.kataConfig.integrity, "kataConfig.integrity");
  verifySri(expected, computeSri(text, expected.algorithm), "kataConfig.integrity");
  try {
    return parse(text) as Table;
  } catch (e) {
    throw new ParseError("kata_template_invalid", `kataConfig.template: not valid toml`, { cause: e });
  }
}

function rejectPlaceholders(v: unknown, path: string): void {
  if (typeof v === "string" && /^@[a-z]+@$/.test(v)) {
    throw new ParseError("kata_template_placeholder", `${path}: expected a value, got placeholder ${v}`, {
      field: path,
    });
  }
  if (typeof v === "object" && v !== null) {
    for (const [k, c] of Object.entries(v)) rejectPlaceholders(c, `${path}.${k}`);
  }
}

/** Returns the TOML text of the Kata configuration for `lock`'s platform with every path under `installDir`. */
export function renderKataConfig(lock: RuntimeLock, opts: KataConfigOptions): string {
  const platform = parsePlatform(lock.platform);
  const doc = loadTemplate(lock, opts.templates ?? KATA_TEMPLATES);
  const hyp = table(
    table(doc, "hypervisor", "hypervisor"),
    platform.hypervisor,
    `hypervisor.${platform.hypervisor}`,
  );
  for (const [role, key] of PATH_KEYS) {
    const file = lock.files.find((f) => f.role === role);
    if (file) hyp[key] = `${opts.installDir}/${file.installPath}`;
    else delete hyp[key];
  }
  hyp.valid_hypervisor_paths = [hyp.path];
  hyp.default_memory = platform.defaultMemoryMiB;
  if (opts.kernelParams !== undefined) hyp.kernel_params = opts.kernelParams;
  // The initdata annotation carries the policy (Kata Containers src/runtime/pkg/oci/utils.go path B); nothing else may be overridden per pod.
  hyp.enable_annotations = ["cc_init_data"];
  hyp.enable_debug = false;
  const agent = table(table(doc, "agent", "agent"), "kata", "agent.kata");
  agent.enable_debug = false;
  agent.debug_console_enabled = false;
  table(doc, "runtime", "runtime").enable_debug = false;
  rejectPlaceholders(doc, "kata");
  const header = `# Kata configuration for ${platform.name}, written by contrast node-installer from runtime/${lock.kataConfig.template}.\n`;
  return `${header}${stringify(doc)}\n`;
}
