// The Kata configuration templates from runtime/kata/, embedded into the binary as text.

import clhSnp from "../../runtime/kata/configuration-clh-snp.toml" with { type: "text" };
import qemuSnp from "../../runtime/kata/configuration-qemu-snp.toml" with { type: "text" };
import qemuTdx from "../../runtime/kata/configuration-qemu-tdx.toml" with { type: "text" };

/** Keyed by the lock's `kataConfig.template` (a path relative to runtime/). */
export const KATA_TEMPLATES: Readonly<Record<string, string>> = Object.freeze({
  "kata/configuration-clh-snp.toml": clhSnp,
  "kata/configuration-qemu-snp.toml": qemuSnp,
  "kata/configuration-qemu-tdx.toml": qemuTdx,
});
