import { describe, expect, test } from "bun:test";
import { ParseError } from "../../../src/common/errors.ts";
import { MemoryLayersCache, tagKey } from "../../../src/policy/image/layers-cache.ts";
import { expectCode } from "../../support/expect-error.ts";

const A = `sha256:${"aa".repeat(32)}`;
const B = `sha256:${"bb".repeat(32)}`;

describe("MemoryLayersCache", () => {
  test("no tag ever set → JSON without a tags member (the format before tags)", () => {
    const c = new MemoryLayersCache();
    c.set(A, { Entrypoint: ["/a"] });
    expect(JSON.parse(c.toJSON())).toEqual({ version: 1, images: { [A]: { Entrypoint: ["/a"] } } });
  });

  test("tags set in any order → written sorted, read back", () => {
    const c = new MemoryLayersCache();
    c.set(A, {});
    c.set(B, {});
    c.setTag("r.example/z:v1", A);
    c.setTag("r.example/a:v1", B);
    expect(Object.keys(JSON.parse(c.toJSON()).tags)).toEqual(["r.example/a:v1", "r.example/z:v1"]);
    const back = new MemoryLayersCache();
    back.load(c.toJSON());
    expect(back.getTag("r.example/z:v1")).toBe(A);
    expect(back.toJSON()).toBe(c.toJSON());
  });

  test("a tag naming a digest without config, or not a digest → dropped on load", () => {
    const c = new MemoryLayersCache();
    c.load(
      JSON.stringify({ version: 1, images: { [A]: {} }, tags: { "x:1": B, "y:1": "latest", "z:1": A } }),
    );
    expect([c.getTag("x:1"), c.getTag("y:1"), c.getTag("z:1")]).toEqual([undefined, undefined, A]);
  });

  test("tags not an object → layers_cache_malformed", async () => {
    const c = new MemoryLayersCache();
    await expectCode(
      () => c.load(JSON.stringify({ version: 1, images: {}, tags: ["x"] })),
      ParseError,
      "layers_cache_malformed",
    );
  });

  test("setting the digest a tag already has → not dirty", () => {
    const c = new MemoryLayersCache();
    c.load(JSON.stringify({ version: 1, images: { [A]: {} }, tags: { "x:1": A } }));
    c.setTag("x:1", A);
    expect(c.dirty).toBe(false);
  });
});

describe("tagKey", () => {
  test("no tag → latest", () => {
    expect(tagKey({ name: "docker.io/library/nginx", tag: undefined })).toBe(
      "docker.io/library/nginx:latest",
    );
  });
});
