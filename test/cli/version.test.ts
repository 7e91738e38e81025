import { describe, expect, test } from "bun:test";
import { versionText } from "../../src/cli/version.ts";
import {
  isReleaseBuild,
  knownReleaseImages,
  RELEASE_IMAGES,
  type ReleaseImage,
} from "../../src/kube/release-images.ts";
import { listPlatforms, runtimeHandler } from "../../src/platform/index.ts";

const DIGEST = `sha256:${"ab".repeat(32)}`;
const pinned = (name: ReleaseImage["name"]): ReleaseImage => ({
  name,
  reference: `reg.example/contrast/${name}:1.0@${DIGEST}`,
  config: { Entrypoint: ["/bin/contrast", name] },
});

describe("versionText", () => {
  test("source build → every image reference, each platform's runtime handler and reference values", () => {
    const text = versionText();
    expect(text).toStartWith("contrast ");
    expect(text).toContain("by tag (development build");
    for (const image of RELEASE_IMAGES) expect(text).toContain(`${image.name.padEnd(16)}${image.reference}`);
    for (const p of listPlatforms()) {
      expect(text).toContain(
        `    ${p.name}\n      runtime handler:  ${runtimeHandler(p)}\n      reference values: `,
      );
    }
    expect(text).toMatch(/Metal-QEMU-TDX\n.*\n\s+reference values: tdx MRTD [0-9a-f]{96}/);
    expect(text).toContain("snp Milan launch digest none in this build (zero placeholder)"); // CLH-SNP
  });
});

describe("isReleaseBuild / knownReleaseImages", () => {
  test("every image pinned → release build, each known by its exact reference", () => {
    const images = [pinned("coordinator"), pinned("initializer")];
    expect(isReleaseBuild(images)).toBe(true);
    expect([...knownReleaseImages(images).keys()]).toEqual(images.map((i) => i.reference));
  });

  test("a tag-only image → not a release build, not known", () => {
    const tagged = { ...pinned("initializer"), reference: "reg.example/contrast/initializer:1.0" };
    expect(isReleaseBuild([pinned("coordinator"), tagged])).toBe(false);
    expect(knownReleaseImages([tagged]).size).toBe(0);
  });

  test("a mirror with the release digest → known; a mirror with another digest or a tag → left to the registry", () => {
    const mirrors = [
      `mirror.example/init@${DIGEST}`,
      `mirror.example/init@sha256:${"cd".repeat(32)}`,
      "mirror.example/init:1.0",
    ];
    const known = knownReleaseImages([pinned("initializer")], mirrors);
    expect(known.get(mirrors[0]!)).toEqual({ digest: DIGEST, config: pinned("initializer").config });
    expect(known.has(mirrors[1]!)).toBe(false);
    expect(known.has(mirrors[2]!)).toBe(false);
  });
});
