import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ConfigError,
  type ContrastError,
  UnavailableError,
  VerificationError,
} from "../../../src/common/errors.ts";
import { createImageResolver } from "../../../src/policy/image/create-image-resolver.ts";
import { parseImageReference } from "../../../src/policy/image/image-reference.ts";
import { FileLayersCache, MemoryLayersCache } from "../../../src/policy/image/layers-cache.ts";
import { RegistryClient, registryScheme } from "../../../src/policy/image/registry-client.ts";
import { createFakeRegistry } from "./registry-fixture.ts";

const viaApp =
  (app: { request: (u: string, i?: RequestInit) => Response | Promise<Response> }) =>
  async (u: string, i?: RequestInit) =>
    app.request(u, i);

describe("parseImageReference", () => {
  const rows: [string, object][] = [
    [
      "nginx",
      {
        registry: "registry-1.docker.io",
        repository: "library/nginx",
        tag: "latest",
        digest: undefined,
        name: "docker.io/library/nginx",
      },
    ],
    ["ghcr.io/a/b:v1", { registry: "ghcr.io", repository: "a/b", tag: "v1", name: "ghcr.io/a/b" }],
    [
      "localhost:5000/x@sha256:" + "a".repeat(64),
      { registry: "localhost:5000", repository: "x", tag: undefined, digest: "sha256:" + "a".repeat(64) },
    ],
    ["r.io/x:t@sha256:" + "b".repeat(64), { registry: "r.io", tag: "t", digest: "sha256:" + "b".repeat(64) }],
  ];
  for (const [ref, want] of rows) {
    test(`${ref} → ${JSON.stringify(want)}`, () => {
      expect(parseImageReference(ref)).toMatchObject(want);
    });
  }
  for (const bad of ["", "UPPER/case", "x@sha256:short", "x:bad tag"]) {
    test(`${JSON.stringify(bad)} → ConfigError image_reference_invalid`, () => {
      expect(() => parseImageReference(bad)).toThrow(ConfigError);
    });
  }
});

describe("registryScheme", () => {
  test("loopback → http; others https unless marked insecure", () => {
    expect(registryScheme("localhost:5000")).toBe("http");
    expect(registryScheme("127.0.0.1:5000")).toBe("http");
    expect(registryScheme("[::1]:5000")).toBe("http");
    expect(registryScheme("registry.test")).toBe("https");
    expect(registryScheme("registry.test:5000", ["registry.test"])).toBe("http");
  });
});

describe("RegistryClient.fetchImage", () => {
  test("tag of a multi-platform image → index digest pinned, linux/amd64 config read", async () => {
    const reg = createFakeRegistry();
    const client = new RegistryClient({ fetch: viaApp(reg.app), insecureRegistries: ["registry.test"] });
    const img = await client.fetchImage(parseImageReference("registry.test/team/app:v1"));
    expect(img.digest).toBe(reg.indexDigest);
    expect(img.config).toEqual({
      Entrypoint: ["/bin/app"],
      Cmd: ["--serve"],
      Env: ["PATH=/bin", "A=1"],
      User: "1000:1000",
      WorkingDir: "/srv",
      Volumes: ["/data"],
    });
  });

  test("bearer challenge → token fetched and used", async () => {
    const reg = createFakeRegistry({ auth: true });
    const client = new RegistryClient({ fetch: viaApp(reg.app), insecureRegistries: ["registry.test"] });
    const img = await client.fetchImage(parseImageReference(`registry.test/team/app@${reg.amd64Digest}`));
    expect(img.digest).toBe(reg.amd64Digest);
  });

  const failures: [string, string, object, typeof ContrastError, string][] = [
    ["unknown tag", "registry.test/team/app:nope", {}, UnavailableError, "image_pull_failed"],
    [
      "wrong pinned digest",
      `registry.test/team/app@sha256:${"c".repeat(64)}`,
      {},
      UnavailableError,
      "image_pull_failed",
    ],
    [
      "config blob not matching its digest",
      "registry.test/team/app:v1",
      { corruptConfig: true },
      VerificationError,
      "image_digest_mismatch",
    ],
  ];
  for (const [what, ref, regOpts, cls, code] of failures) {
    test(`${what} → ${cls.name} ${code} naming the image`, async () => {
      const reg = createFakeRegistry(regOpts);
      const client = new RegistryClient({ fetch: viaApp(reg.app), insecureRegistries: ["registry.test"] });
      try {
        await client.fetchImage(parseImageReference(ref));
        throw new Error("expected an error");
      } catch (e) {
        expect(e).toBeInstanceOf(cls);
        expect((e as ContrastError).code).toBe(code);
        expect((e as Error).message).toContain("registry.test/team/app");
      }
    });
  }

  test("unreachable registry → UnavailableError image_pull_failed", async () => {
    const client = new RegistryClient({
      fetch: async () => {
        throw new TypeError("connect ECONNREFUSED");
      },
    });
    await expect(client.fetchImage(parseImageReference("127.0.0.1:1/team/app:v1"))).rejects.toBeInstanceOf(
      UnavailableError,
    );
  });

  test("real socket on 127.0.0.1 → plain http works without flags", async () => {
    const reg = createFakeRegistry();
    const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: reg.app.fetch });
    try {
      const img = await new RegistryClient().fetchImage(
        parseImageReference(`127.0.0.1:${server.port}/team/app:v1`),
      );
      expect(img.digest).toBe(reg.indexDigest);
    } finally {
      server.stop(true);
    }
  });
});

describe("createImageResolver", () => {
  test("first call fetches and caches by digest; pinned reference then resolves offline", async () => {
    const reg = createFakeRegistry();
    const cache = new MemoryLayersCache();
    const online = createImageResolver({
      cache,
      fetch: viaApp(reg.app),
      insecureRegistries: ["registry.test"],
    });
    const r = await online("registry.test/team/app:v1");
    expect(r.resolvedFromTag).toBe(true);
    const offline = createImageResolver({ cache, offline: true });
    const again = await offline(`registry.test/team/app:v1@${r.digest}`);
    expect(again.config).toEqual(r.config);
    expect(again.resolvedFromTag).toBe(false);
  });

  test("offline with a tag or a cache miss → UnavailableError image_not_cached", async () => {
    const offline = createImageResolver({ cache: new MemoryLayersCache(), offline: true });
    for (const ref of ["registry.test/team/app:v1", `registry.test/team/app@sha256:${"d".repeat(64)}`]) {
      try {
        await offline(ref);
        throw new Error("expected an error");
      } catch (e) {
        expect((e as ContrastError).code).toBe("image_not_cached");
      }
    }
  });

  test("known image → no registry call", async () => {
    const known = new Map([
      ["ghcr.io/x/init:v1", { digest: `sha256:${"f".repeat(64)}`, config: { Entrypoint: ["/init"] } }],
    ]);
    const resolver = createImageResolver({
      cache: new MemoryLayersCache(),
      known,
      fetch: async () => {
        throw new Error("no network");
      },
    });
    expect((await resolver("ghcr.io/x/init:v1")).digest).toBe(`sha256:${"f".repeat(64)}`);
  });

  test("file cache → saved sorted and reloaded", async () => {
    const reg = createFakeRegistry();
    const path = join(mkdtempSync(join(tmpdir(), "layers-")), "layers-cache.json");
    const cache = new FileLayersCache(path);
    await createImageResolver({ cache, fetch: viaApp(reg.app), insecureRegistries: ["registry.test"] })(
      "registry.test/team/app:v1",
    );
    cache.save();
    expect(JSON.parse(readFileSync(path, "utf8")).images[reg.indexDigest].Entrypoint).toEqual(["/bin/app"]);
    expect(new FileLayersCache(path).get(reg.indexDigest)?.WorkingDir).toBe("/srv");
  });
});
