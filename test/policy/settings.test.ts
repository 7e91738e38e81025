import { describe, expect, test } from "bun:test";
import { ConfigError, type ContrastError, ParseError } from "../../src/common/errors.ts";
import { DEFAULT_SETTINGS_TEXT, defaultSettings, parseSettings } from "../../src/policy/settings.ts";
import { expectError } from "../support/expect-error.ts";

describe("parseSettings", () => {
  test("embedded defaults → parse; logs allowed, exec and stdin denied", () => {
    const s = defaultSettings();
    expect(s.request_defaults.ReadStreamRequest).toBe(true);
    expect(s.request_defaults.WriteStreamRequest).toBe(false);
    expect(s.request_defaults.ExecProcessRequest.regex).toEqual([]);
    expect(s.common.default_caps.length).toBe(14);
    expect(s.common.privileged_caps.length).toBe(41);
  });

  type Json = Record<string, Record<string, unknown>>;
  const base = () => JSON.parse(DEFAULT_SETTINGS_TEXT) as Json;
  const rd = (s: Json) => s.request_defaults as Record<string, unknown>;
  const common = (s: Json) => s.common as Record<string, unknown>;
  const create = (s: Json) => rd(s).CreateContainerRequest as { allow_env_regex: string[] };
  const copy = (s: Json) => rd(s).CopyFileRequest as Record<string, unknown>;
  const net = (s: Json, k: string) => rd(s)[k] as Record<string, unknown>;
  const rows: [string, (s: Record<string, Record<string, unknown>>) => void, typeof ContrastError, string][] =
    [
      [
        "common missing",
        (s) => {
          delete s.common;
        },
        ConfigError,
        "settings_invalid",
      ],
      ["default_caps not strings", (s) => (common(s).default_caps = [1]), ConfigError, "settings_invalid"],
      ["bad env regex", (s) => (create(s).allow_env_regex = ["("]), ConfigError, "settings_invalid"],
      // The rules run these with regex.match (RE2): a JavaScript-only construct is refused, not silently false.
      [
        "env regex with a lookahead",
        (s) => (create(s).allow_env_regex = ["^(?=A)[A-Z]+=.*$"]),
        ConfigError,
        "settings_invalid",
      ],
      [
        "exec regex with a backreference",
        (s) => ((rd(s).ExecProcessRequest as { regex: string[] }).regex = ["^(a)\\1$"]),
        ConfigError,
        "settings_invalid",
      ],
      [
        "bundle ID regex that unbalances the group it is put in",
        (s) => (common(s).bundle_id_regex = "[0-9a-f]{64}|(x"),
        ConfigError,
        "settings_invalid",
      ],
      [
        "pause regex invalid",
        (s) => ((s.pause_container as Record<string, unknown>).image_source_regex = "["),
        ConfigError,
        "settings_invalid",
      ],
      // Each of these would make a deny check in the rules match nothing (fail open), so they are refused.
      [
        "CopyFileRequest as the old list of regexes",
        (s) => (rd(s).CopyFileRequest = ["^/run/.*$"]),
        ConfigError,
        "settings_invalid",
      ],
      [
        "CopyFileRequest entry regex unanchored",
        (s) => (copy(s).entry_regex = "-[a-z0-9]{16}-"),
        ConfigError,
        "settings_invalid",
      ],
      [
        "CopyFileRequest shared dir with ..",
        (s) => (copy(s).shared_dirs = ["/run/kata-containers/../x"]),
        ConfigError,
        "settings_invalid",
      ],
      [
        "CopyFileRequest shared dir with a trailing /",
        (s) => (copy(s).shared_dirs = ["/run/x/"]),
        ConfigError,
        "settings_invalid",
      ],
      [
        "route source CIDR written with a leading zero",
        (s) => (net(s, "UpdateRoutesRequest").forbidden_source_cidrs = ["0127.0.0.0/8"]),
        ConfigError,
        "settings_invalid",
      ],
      [
        "route source CIDR prefix with a leading zero",
        (s) => (net(s, "UpdateRoutesRequest").forbidden_source_cidrs = ["127.0.0.0/08"]),
        ConfigError,
        "settings_invalid",
      ],
      [
        "route source as the old regex",
        (s) => (net(s, "UpdateRoutesRequest").forbidden_source_cidrs = ["^127\\."]),
        ConfigError,
        "settings_invalid",
      ],
      [
        "ARP CIDR without prefix",
        (s) => (net(s, "AddARPNeighborsRequest").forbidden_cidrs = ["127.0.0.1"]),
        ConfigError,
        "settings_invalid",
      ],
      [
        "interface CIDRs missing",
        (s) => delete net(s, "UpdateInterfaceRequest").forbidden_address_cidrs,
        ConfigError,
        "settings_invalid",
      ],
      [
        "forbidden MAC written 0:0:0:0:0:0",
        (s) => (net(s, "UpdateInterfaceRequest").forbidden_hw_addrs = ["0:0:0:0:0:0"]),
        ConfigError,
        "settings_invalid",
      ],
    ];
  test("every row → listed", () => expect(rows.length).toBe(17));
  for (const [what, mutate, cls, code] of rows) {
    test(`${what} → ${cls.name} ${code}`, () => {
      const s = base();
      mutate(s);
      expectError(() => parseSettings(JSON.stringify(s)), cls, code);
    });
  }

  test("RE2 syntax JavaScript lacks (named group (?P<n>…), \\pL) → accepted", () => {
    const s = base();
    create(s).allow_env_regex = ["^(?P<name>[A-Z_]+)=\\pL*$"];
    expect(() => parseSettings(JSON.stringify(s))).not.toThrow();
  });

  test("not json → ParseError settings_not_json", () => {
    expect(() => parseSettings("{")).toThrow(ParseError);
  });
});
