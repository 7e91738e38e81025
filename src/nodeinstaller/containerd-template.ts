// K3s/RKE2 containerd templates (`config.toml.tmpl`): patch as TOML, seed from the rendered config, or append to Go templates.

import { ConfigError } from "../common/errors.ts";
import {
  containerdConfigVersion,
  type PatchResult,
  parseContainerdConfig,
  patchContainerdConfig,
  type RuntimeRegistration,
  renderRuntimeBlock,
} from "./containerd-config.ts";

/**
 * K3s and RKE2 render `config.toml` from `config.toml.tmpl` on every start (edgelesssys/contrast nodeinstaller):
 * - no template yet: the rendered config is the base; the patched result becomes the template;
 * - a template that is plain TOML: patched like any config;
 * - a Go template (`{{ template "base" . }}` …): our runtime table is appended once, with the version the rendered
 *   config uses; an existing but different table for the same handler is a conflict the installer will not guess at.
 */
export function patchContainerdTemplate(
  template: string | undefined,
  rendered: string | undefined,
  reg: RuntimeRegistration,
  field = "containerd template",
): PatchResult {
  if (template === undefined) {
    const res = patchContainerdConfig(rendered, reg, field);
    return { ...res, changed: true };
  }
  if (!template.includes("{{")) return patchContainerdConfig(template, reg, field);
  const version =
    rendered === undefined
      ? 2
      : containerdConfigVersion(parseContainerdConfig(rendered, `${field} (rendered)`), field);
  const block = renderRuntimeBlock(reg, version);
  if (template.includes(block.trim())) return { text: template, changed: false, version };
  if (template.includes(`.runtimes.${reg.handler}]`)) {
    throw new ConfigError(
      "containerd_template_conflict",
      `${field}: expected no other table for runtime ${reg.handler}, got a different one`,
      { field },
    );
  }
  const sep = template.endsWith("\n") ? "\n" : "\n\n";
  return { text: `${template}${sep}${block}`, changed: true, version };
}
