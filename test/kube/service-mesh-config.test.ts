import { describe, expect, test } from "bun:test";
import { ConfigError } from "../../src/common/errors.ts";
import {
  parseEgressConfig,
  parseIngressConfig,
  parseMeshSettings,
} from "../../src/kube/service-mesh-config.ts";

function expectConfigError(f: () => unknown, field: string): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).code).toBe("service_mesh_config_invalid");
    expect((e as ConfigError).field).toBe(field);
    return;
  }
  throw new Error("expected a ConfigError");
}

/** One test per row: the row's value parsed under `name` → refused at the row's field. */
function testRefused(
  parse: (value: string, name: string) => unknown,
  name: string,
  rows: [string, string, string][],
) {
  for (const [what, value, field] of rows) {
    test(`${what} → service_mesh_config_invalid at ${field}`, () => {
      expectConfigError(() => parse(value, name), field);
    });
  }
}

describe("parseIngressConfig", () => {
  test("reference examples → plain and tls exceptions", () => {
    expect(parseIngressConfig("web#8080#false##metrics#9090#true", "in")).toEqual([
      { name: "web", port: 8080, mode: "tls" },
      { name: "metrics", port: 9090, mode: "plain" },
    ]);
  });

  test("empty value → no entries", () => {
    expect(parseIngressConfig("", "in")).toEqual([]);
  });

  const bad: [string, string, string][] = [
    ["empty entry", "web#80#true##", "in[1]"],
    ["two fields", "web#80", "in[0]"],
    ["four fields", "web#80#true#x", "in[0]"],
    ["port 0", "web#0#true", "in[0].port"],
    ["port 65536", "web#65536#true", "in[0].port"],
    ["leading zero port", "web#080#true", "in[0].port"],
    ["signed port", "web#+80#true", "in[0].port"],
    ["bool True", "web#80#True", "in[0].disableTLS"],
    ["bool 1", "web#80#1", "in[0].disableTLS"],
    ["name with space", "my web#80#true", "in[0].name"],
    ["empty name", "#80#true", "in[0].name"],
    ["duplicate port", "a#80#true##b#80#false", "in[1]"],
    ["duplicate name", "a#80#true##a#81#false", "in[1]"],
  ];
  testRefused(parseIngressConfig, "in", bad);
});

describe("parseEgressConfig", () => {
  test("reference example → listener and remote", () => {
    expect(
      parseEgressConfig("emoji#127.137.0.1:8081#emoji-svc:8080##db#127.137.0.2:5432#[fd00::1]:5432", "out"),
    ).toEqual([
      {
        name: "emoji",
        listenAddress: "127.137.0.1",
        listenPort: 8081,
        remoteHost: "emoji-svc",
        remotePort: 8080,
      },
      { name: "db", listenAddress: "127.137.0.2", listenPort: 5432, remoteHost: "fd00::1", remotePort: 5432 },
    ]);
  });

  test("upper-case host → compared in lower case", () => {
    expect(parseEgressConfig("a#127.0.0.2:1#Server.NS.svc:2", "out")[0]?.remoteHost).toBe("server.ns.svc");
  });

  const bad: [string, string, string][] = [
    ["listen outside loopback", "a#10.0.0.1:80#b:80", "out[0].listen.address"],
    ["listen 0.0.0.0", "a#0.0.0.0:80#b:80", "out[0].listen.address"],
    ["listen octal octet", "a#127.0.0.01:80#b:80", "out[0].listen.address"],
    ["listen shorthand", "a#127.1:80#b:80", "out[0].listen.address"],
    ["listen without port", "a#127.0.0.1#b:80", "out[0].listen"],
    ["listen port 0", "a#127.0.0.1:0#b:80", "out[0].listen.port"],
    ["remote without port", "a#127.0.0.1:80#b", "out[0].remote"],
    ["remote unbracketed ipv6", "a#127.0.0.1:80#fd00::1:80", "out[0].remote"],
    ["remote bracketed name", "a#127.0.0.1:80#[server]:80", "out[0].remote.host"],
    ["remote underscore", "a#127.0.0.1:80#my_svc:80", "out[0].remote.host"],
    ["remote octal ipv4", "a#127.0.0.1:80#010.0.0.1:80", "out[0].remote.host"],
    ["remote numeric tld", "a#127.0.0.1:80#10.1:80", "out[0].remote.host"],
    ["remote port 99999", "a#127.0.0.1:80#b:99999", "out[0].remote.port"],
    ["duplicate listen", "a#127.0.0.2:80#b:80##c#127.0.0.2:80#d:80", "out[1]"],
    ["duplicate name", "a#127.0.0.2:80#b:80##a#127.0.0.3:80#d:80", "out[1]"],
  ];
  testRefused(parseEgressConfig, "out", bad);
});

describe("parseMeshSettings", () => {
  const fields = { ingress: "in", egress: "out", adminPort: "admin" };

  test("all three values → parsed together", () => {
    const s = parseMeshSettings({ ingress: "m#9000#true", egress: "", adminPort: "9901" }, fields);
    expect(s.adminPort).toBe(9901);
    expect(s.ingress).toHaveLength(1);
  });

  test("admin port also listed as ingress port → refused at the admin field", () => {
    expectConfigError(
      () => parseMeshSettings({ ingress: "m#9901#true", adminPort: "9901" }, fields),
      "admin",
    );
  });

  test("admin port not a number → refused at the admin field", () => {
    expectConfigError(() => parseMeshSettings({ adminPort: "admin" }, fields), "admin");
  });
});
