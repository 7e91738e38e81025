import { describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../../../src/common/errors.ts";
import { lookupAuth, normaliseRegistryKey, parseAuthConfig } from "../../../src/policy/image/auth-config.ts";
import { authFilePaths, createCredentialStore } from "../../../src/policy/image/registry-credentials.ts";
import { thrownBy } from "../../support/expect-error.ts";

const b64 = (s: string) => Buffer.from(s).toString("base64");
const SECRET = "pa:ss-w0rd-XYZ";

describe("normaliseRegistryKey", () => {
  const rows: [string, string][] = [
    ["https://index.docker.io/v1/", "docker.io"],
    ["registry-1.docker.io", "docker.io"],
    ["docker.io", "docker.io"],
    ["http://127.0.0.1:5000/", "127.0.0.1:5000"],
    ["https://Reg.Example:443/v2/", "reg.example:443"],
    ["quay.io/org/repo", "quay.io/org/repo"],
  ];
  for (const [key, want] of rows)
    test(`${key} → ${want}`, () => expect(normaliseRegistryKey(key)).toBe(want));
});

describe("parseAuthConfig + lookupAuth", () => {
  const file = JSON.stringify({
    auths: {
      "https://index.docker.io/v1/": { auth: b64(`hub:${SECRET}`) },
      "quay.io": { auth: b64("q:1") },
      "quay.io/team": { identitytoken: "id-tok" },
      "ghcr.io": {},
      "reg.example": { username: "u", password: "p" },
      "helped.example": { auth: b64("inline:x") },
    },
    credHelpers: { "helped.example": "fake" },
    credsStore: "desktop",
  });
  const config = parseAuthConfig("/c.json", file);
  const rows: [string, string, string, unknown][] = [
    [
      "Docker Hub by its API host",
      "registry-1.docker.io",
      "library/nginx",
      { kind: "basic", username: "hub", password: SECRET },
    ],
    ["the most specific namespace", "quay.io", "team/app", { kind: "identity-token", token: "id-tok" }],
    [
      "the host for another namespace",
      "quay.io",
      "other/app",
      { kind: "basic", username: "q", password: "1" },
    ],
    ["username and password fields", "reg.example", "x", { kind: "basic", username: "u", password: "p" }],
    ["credHelpers before inline auths", "helped.example", "x", { kind: "helper", helper: "fake" }],
    ["an empty placeholder → the credsStore", "ghcr.io", "x", { kind: "helper", helper: "desktop" }],
    ["an unknown host → the credsStore", "other.example", "x", { kind: "helper", helper: "desktop" }],
  ];
  for (const [what, registry, repo, want] of rows)
    test(`${what} → ${JSON.stringify(want)}`, () =>
      expect(lookupAuth(config, registry, repo)).toEqual(want as never));

  test("no entry and no credsStore → undefined", () => {
    expect(lookupAuth(parseAuthConfig("/c.json", "{}"), "reg.example", "x")).toBeUndefined();
  });

  const bad: [string, string][] = [
    ["not json, quoting a secret", `{"auths": {"r": {"auth": "${SECRET}"}`],
    ["auth that is not base64", JSON.stringify({ auths: { r: { auth: `${SECRET}!` } } })],
    ["auth without a colon", JSON.stringify({ auths: { r: { auth: b64("nocolon") } } })],
    ["a helper name with a path", JSON.stringify({ credHelpers: { r: "../../bin/sh" } })],
    ["auths that is a list", JSON.stringify({ auths: [] })],
  ];
  for (const [what, text] of bad) {
    test(`${what} → ConfigError registry_auth_file_invalid naming the file, not the value`, () => {
      const e = thrownBy(() => parseAuthConfig("/home/u/auth.json", text));
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).code).toBe("registry_auth_file_invalid");
      expect((e as Error).message).toStartWith("/home/u/auth.json: ");
      expect((e as Error).message).not.toContain(SECRET);
      expect((e as Error).message).not.toContain("../../bin/sh");
    });
  }
});

describe("authFilePaths", () => {
  test("REGISTRY_AUTH_FILE, XDG_CONFIG_HOME and DOCKER_CONFIG → in podman's order", () => {
    expect(
      authFilePaths(
        {
          REGISTRY_AUTH_FILE: "/a.json",
          XDG_RUNTIME_DIR: "/run/u",
          XDG_CONFIG_HOME: "/cfg",
          DOCKER_CONFIG: "/d",
        },
        "/h",
      ),
    ).toEqual(["/a.json", "/cfg/containers/auth.json", "/d/config.json"]);
  });
  test("only HOME and XDG_RUNTIME_DIR → runtime auth.json, ~/.config, ~/.docker", () => {
    expect(authFilePaths({ XDG_RUNTIME_DIR: "/run/u" }, "/h")).toEqual([
      "/run/u/containers/auth.json",
      "/h/.config/containers/auth.json",
      "/h/.docker/config.json",
    ]);
  });
});

/** A home dir with auth files and a PATH holding `docker-credential-*` scripts. */
function sandbox() {
  const root = mkdtempSync(join(tmpdir(), "contrast-creds-"));
  const bin = join(root, "bin");
  mkdirSync(bin);
  const helper = (name: string, body: string) => {
    const p = join(bin, `docker-credential-${name}`);
    writeFileSync(p, `#!/bin/sh\n${body}\n`);
    chmodSync(p, 0o755);
  };
  const file = (rel: string, doc: unknown) => {
    const p = join(root, rel);
    mkdirSync(join(p, ".."), { recursive: true });
    writeFileSync(p, JSON.stringify(doc));
    return p;
  };
  return { root, bin, helper, file, path: `${bin}:/usr/bin:/bin` };
}

describe("createCredentialStore", () => {
  test("REGISTRY_AUTH_FILE entry → wins over ~/.docker/config.json", async () => {
    const s = sandbox();
    const first = s.file("auth.json", { auths: { "reg.example": { auth: b64("podman:1") } } });
    s.file("home/.docker/config.json", { auths: { "reg.example": { auth: b64("docker:2") } } });
    const store = createCredentialStore({ env: { REGISTRY_AUTH_FILE: first }, home: join(s.root, "home") });
    expect(await store.get("reg.example", "x")).toEqual({
      kind: "basic",
      username: "podman",
      password: "1",
      source: first,
    });
  });

  test("DOCKER_CONFIG → its config.json; no entry anywhere → anonymous", async () => {
    const s = sandbox();
    const docker = s.file("dc/config.json", { auths: { "reg.example": { identitytoken: "tok" } } });
    const store = createCredentialStore({
      env: { DOCKER_CONFIG: join(s.root, "dc") },
      home: join(s.root, "home"),
    });
    expect(await store.get("reg.example", "x")).toEqual({
      kind: "identity-token",
      token: "tok",
      source: docker,
    });
    expect(await store.get("other.example", "x")).toBeUndefined();
  });

  test("credHelpers → the helper gets the server URL on stdin; <token> user → identity token", async () => {
    const s = sandbox();
    s.helper(
      "fake",
      `read url; [ "$1" = get ] && [ "$url" = "reg.example" ] && echo '{"ServerURL":"reg.example","Username":"<token>","Secret":"idt"}'`,
    );
    s.helper(
      "hub",
      `read url; [ "$url" = "https://index.docker.io/v1/" ] && echo '{"Username":"bob","Secret":"pw"}'`,
    );
    s.file("home/.docker/config.json", { credHelpers: { "reg.example": "fake", "docker.io": "hub" } });
    const store = createCredentialStore({ env: { PATH: s.path }, home: join(s.root, "home") });
    expect(await store.get("reg.example", "x")).toMatchObject({ kind: "identity-token", token: "idt" });
    expect(await store.get("registry-1.docker.io", "library/x")).toMatchObject({
      kind: "basic",
      username: "bob",
      password: "pw",
    });
  });

  test("helper without credentials for the host → next file", async () => {
    const s = sandbox();
    s.helper("empty", `echo "credentials not found in native keychain"; exit 1`);
    const first = s.file("auth.json", { credsStore: "empty" });
    s.file("home/.docker/config.json", { auths: { "reg.example": { auth: b64("docker:2") } } });
    const store = createCredentialStore({
      env: { REGISTRY_AUTH_FILE: first, PATH: s.path },
      home: join(s.root, "home"),
    });
    expect(await store.get("reg.example", "x")).toMatchObject({ username: "docker" });
  });

  const failing: [string, string | undefined][] = [
    ["helper that fails printing the secret", `echo '{"Username":"u","Secret":"${SECRET}"}'; exit 3`],
    ["helper printing garbage with the secret", `echo "Secret=${SECRET}"`],
    ["helper missing from PATH", undefined],
  ];
  for (const [what, body] of failing) {
    test(`${what} → ConfigError credential_helper_failed, secret not in the message`, async () => {
      const s = sandbox();
      if (body !== undefined) s.helper("bad", body);
      s.file("home/.docker/config.json", { credHelpers: { "reg.example": "bad" } });
      const store = createCredentialStore({ env: { PATH: s.path }, home: join(s.root, "home") });
      const e = await store.get("reg.example", "x").catch((x) => x);
      expect(e).toBeInstanceOf(ConfigError);
      expect(e.code).toBe("credential_helper_failed");
      expect(e.message).toContain("docker-credential-bad");
      expect(e.message).not.toContain(SECRET);
    });
  }
});
