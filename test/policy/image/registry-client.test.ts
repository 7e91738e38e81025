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
import { parseChallenges } from "../../../src/policy/image/registry-auth.ts";
import { RegistryClient, registryScheme } from "../../../src/policy/image/registry-client.ts";
import type { CredentialStore, RegistryCredentials } from "../../../src/policy/image/registry-credentials.ts";
import { createFakeRegistry, type FakeRegistryOptions } from "./registry-fixture.ts";

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

  const failures: [string, string, FakeRegistryOptions, typeof ContrastError, string][] = [
    ["unknown tag", "registry.test/team/app:nope", {}, ConfigError, "image_not_found"],
    [
      "wrong pinned digest",
      `registry.test/team/app@sha256:${"c".repeat(64)}`,
      {},
      ConfigError,
      "image_not_found",
    ],
    [
      "registry answers 503",
      "registry.test/team/app:v1",
      { status: 503 },
      UnavailableError,
      "image_pull_failed",
    ],
    [
      "registry answers 429",
      "registry.test/team/app:v1",
      { status: 429 },
      UnavailableError,
      "image_pull_failed",
    ],
    [
      "registry answers 400",
      "registry.test/team/app:v1",
      { status: 400 },
      ConfigError,
      "image_request_refused",
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
        expect((e as ContrastError).code as string).toBe(code);
        expect((e as Error).message).toContain(
          ref.startsWith("registry.test/team/app:") ? ref : "registry.test/team/app",
        );
      }
    });
  }
  test("failure row count", () => expect(failures.length).toBe(6));

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

/** A store with fixed credentials for registry.test, as the user's auth files would give. */
function storeWith(creds: RegistryCredentials | undefined): CredentialStore & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    searched: ["/home/u/.docker/config.json"],
    get: async (registry, repository) => {
      asked.push(`${registry}/${repository}`);
      return creds;
    },
  };
}

const PASSWORD = "s3cret-Pa55word";
const basicCreds = (password = PASSWORD): RegistryCredentials => ({
  kind: "basic",
  username: "alice",
  password,
  source: "/home/u/.docker/config.json",
});

describe("RegistryClient.fetchImage with credentials", () => {
  const ok: [string, FakeRegistryOptions, RegistryCredentials | undefined][] = [
    ["Basic challenge, Basic credentials", { basic: { user: "alice", password: PASSWORD } }, basicCreds()],
    [
      "Bearer challenge, token for Basic credentials",
      { tokenFor: { user: "alice", password: PASSWORD } },
      basicCreds(),
    ],
    [
      "Bearer challenge, identity token as refresh token",
      { refreshToken: "refresh-me" },
      { kind: "identity-token", token: "refresh-me", source: "/run/user/0/containers/auth.json" },
    ],
    ["Bearer challenge, anonymous token", { auth: true }, undefined],
  ];
  for (const [what, regOpts, creds] of ok) {
    test(`${what} → image read`, async () => {
      const reg = createFakeRegistry(regOpts);
      const client = new RegistryClient({
        fetch: viaApp(reg.app),
        insecureRegistries: ["registry.test"],
        credentials: storeWith(creds),
      });
      const img = await client.fetchImage(parseImageReference("registry.test/team/app:v1"));
      expect(img.digest).toBe(reg.indexDigest);
    });
  }

  const refused: [string, FakeRegistryOptions, RegistryCredentials | undefined, string][] = [
    [
      "Basic challenge, no credentials",
      { basic: { user: "alice", password: PASSWORD } },
      undefined,
      "found none",
    ],
    [
      "Basic challenge, wrong password",
      { basic: { user: "alice", password: "other" } },
      basicCreds(),
      "/home/u/.docker/config.json",
    ],
    [
      "token endpoint refuses the credentials",
      { tokenFor: { user: "alice", password: "other" } },
      basicCreds(),
      "/home/u/.docker/config.json",
    ],
  ];
  for (const [what, regOpts, creds, says] of refused) {
    test(`${what} → ConfigError registry_unauthorized naming the source, never the secret`, async () => {
      const reg = createFakeRegistry(regOpts);
      const client = new RegistryClient({
        fetch: viaApp(reg.app),
        insecureRegistries: ["registry.test"],
        credentials: storeWith(creds),
      });
      const e = await client.fetchImage(parseImageReference("registry.test/team/app:v1")).catch((x) => x);
      expect(e).toBeInstanceOf(ConfigError);
      expect(e.code).toBe("registry_unauthorized");
      expect(e.message).toContain("registry.test/team/app:v1");
      expect(e.message).toContain(says);
      const text = `${e.message} ${JSON.stringify(e)} ${String(e.stack)}`;
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(Buffer.from(`alice:${PASSWORD}`).toString("base64"));
    });
  }

  test("blob redirected to another origin → Authorization sent to the registry only, not to the CDN", async () => {
    const reg = createFakeRegistry({
      basic: { user: "alice", password: PASSWORD },
      blobOrigin: "http://cdn.test",
    });
    const client = new RegistryClient({
      fetch: viaApp(reg.app),
      insecureRegistries: ["registry.test"],
      credentials: storeWith(basicCreds()),
    });
    await client.fetchImage(parseImageReference("registry.test/team/app:v1"));
    const cdn = reg.authorizations.filter((a) => a.path.startsWith("/cdn/"));
    expect(cdn.length).toBe(1);
    expect(cdn[0]?.authorization).toBeUndefined();
    expect(
      reg.authorizations.some((a) => a.path.startsWith("/v2/") && a.authorization?.startsWith("Basic ")),
    ).toBe(true);
  });

  test("https registry announcing an http token realm → ConfigError registry_auth_unsupported, credentials not sent", async () => {
    const reg = createFakeRegistry({ tokenFor: { user: "alice", password: PASSWORD } });
    const client = new RegistryClient({ fetch: viaApp(reg.app), credentials: storeWith(basicCreds()) });
    const e = await client.fetchImage(parseImageReference("registry.test/team/app:v1")).catch((x) => x);
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.code).toBe("registry_auth_unsupported");
    expect(reg.authorizations.filter((a) => a.path === "/token")).toEqual([]);
  });

  test("anonymous registry → credentials never looked up", async () => {
    const reg = createFakeRegistry();
    const store = storeWith(basicCreds());
    const client = new RegistryClient({
      fetch: viaApp(reg.app),
      insecureRegistries: ["registry.test"],
      credentials: store,
    });
    await client.fetchImage(parseImageReference("registry.test/team/app:v1"));
    expect(store.asked).toEqual([]);
    expect(reg.authorizations.every((a) => a.authorization === undefined)).toBe(true);
  });
});

describe("parseChallenges", () => {
  test("several challenges, quoted values with commas and escapes → each with its parameters", () => {
    expect(
      parseChallenges(
        'Basic realm="Registry Realm", Bearer realm="https://a/t?x=1,2",service="s\\"q",scope=repository:x:pull',
      ),
    ).toEqual([
      { scheme: "basic", params: { realm: "Registry Realm" } },
      {
        scheme: "bearer",
        params: { realm: "https://a/t?x=1,2", service: 's"q', scope: "repository:x:pull" },
      },
    ]);
  });
  test("empty or garbage → no challenge", () => {
    expect(parseChallenges("")).toEqual([]);
    expect(parseChallenges('="x"')).toEqual([]);
  });
});

describe("RegistryClient.fetchImage, concurrent", () => {
  test("two fetches of one repository at once, Basic auth → both read: an unauthenticated 401 that arrives after the other authenticated is no refusal", async () => {
    const reg = createFakeRegistry({ basic: { user: "alice", password: PASSWORD } });
    let release = () => {};
    const authenticated = new Promise<void>((r) => {
      release = r;
    });
    let challenged = 0;
    const fetch = async (u: string, i?: RequestInit) => {
      const res = await reg.app.request(u, i);
      if (new Headers(i?.headers).has("authorization")) release();
      // The second request's challenge is held until the first request has authenticated and been answered.
      else if (res.status === 401 && ++challenged === 2) await authenticated;
      return res;
    };
    const client = new RegistryClient({
      fetch,
      insecureRegistries: ["registry.test"],
      credentials: storeWith(basicCreds()),
    });
    const ref = parseImageReference("registry.test/team/app:v1");
    const [a, b] = await Promise.all([client.fetchImage(ref), client.fetchImage(ref)]);
    expect([a.digest, b.digest]).toEqual([reg.indexDigest, reg.indexDigest]);
    expect(challenged).toBe(2);
  });
});
