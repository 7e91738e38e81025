// `contrast --version`: build information, the embedded image references, and per platform its runtime handler and
// the reference values `generate` writes (edgelesssys/contrast cli/cmd).

import { BUILD_TIME, COMMIT, VERSION } from "../command/build-info.ts";
import { isReleaseBuild, RELEASE_IMAGES } from "../kube/release-images.ts";
import { platformReferenceValues } from "../manifest/platform-reference-values.ts";
import { listPlatforms, runtimeHandler } from "../platform/index.ts";

const ZERO48 = "00".repeat(48);
const shown = (hex: string) => (hex === ZERO48 ? "none in this build (zero placeholder)" : hex);

/** One line per reference value entry the platform's defaults hold. */
function referenceValueLines(platform: Parameters<typeof platformReferenceValues>[0]): string[] {
  const refs = platformReferenceValues(platform);
  return [
    ...(refs.snp ?? []).map((e) => `snp ${e.ProductName} launch digest ${shown(e.TrustedMeasurement)}`),
    ...(refs.tdx ?? []).map((e) => `tdx MRTD ${shown(e.MrTd)}`),
  ];
}

export function versionText(): string {
  const lines = [
    `contrast ${VERSION}`,
    `  commit:     ${COMMIT}`,
    `  built:      ${BUILD_TIME}`,
    `  runtime:    bun ${typeof Bun !== "undefined" ? Bun.version : "?"} (${process.platform}/${process.arch})`,
    `  images:     ${isReleaseBuild() ? "pinned by digest (release build)" : "by tag (development build: resolved from a registry)"}`,
    ...RELEASE_IMAGES.map((i) => `    ${i.name.padEnd(16)}${i.reference}`),
    "  platforms:",
  ];
  for (const p of listPlatforms()) {
    lines.push(`    ${p.name}`, `      runtime handler:  ${runtimeHandler(p)}`);
    referenceValueLines(p).forEach((l, i) => {
      lines.push(`      ${i === 0 ? "reference values: " : "                  "}${l}`);
    });
  }
  return lines.join("\n");
}
