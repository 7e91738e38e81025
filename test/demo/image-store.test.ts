import { describe, expect, test } from "bun:test";
import { imageFor } from "../../demo/image-store.ts";
import type { LayoutImage } from "../../demo/oci-layout.ts";
import type { ContainerSpec } from "../../demo/pod-spec.ts";
import { ConfigError } from "../../src/common/errors.ts";
import { expectError } from "../support/expect-error.ts";

const D = `sha256:${"1".repeat(64)}`;
const IMAGES = new Map<string, LayoutImage>([
  [
    D,
    {
      name: "contrast/initializer",
      tag: "0.1.0",
      layout: "/l",
      digest: D,
      config: { entrypoint: ["/bin/contrast", "initializer"], cmd: [], env: [], workingDir: "/" },
    },
  ],
]);

const container = (image: string): ContainerSpec => ({
  name: "contrast-initializer",
  image,
  env: [],
  volumeMounts: [],
  capabilitiesAdd: [],
});

describe("imageFor", () => {
  test("the digest generate pinned → that image, whatever registry and tag the reference names", () => {
    expect(imageFor(IMAGES, container(`127.0.0.1:5000/contrast/initializer:0.1.0@${D}`)).name).toBe(
      "contrast/initializer",
    );
  });

  test.each([
    [
      "a tag-only reference (what runs would not be what the policy pinned)",
      "127.0.0.1:5000/contrast/initializer:0.1.0",
    ],
    ["a digest of no demo image", `127.0.0.1:5000/contrast/initializer:0.1.0@sha256:${"2".repeat(64)}`],
  ])("%s → demo_image_unknown", (_, ref) => {
    expectError(() => imageFor(IMAGES, container(ref)), ConfigError, "demo_image_unknown");
  });
});
