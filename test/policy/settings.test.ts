import { describe, expect, test } from "bun:test";
import { ConfigError, type ContrastError, ParseError } from "../../src/common/errors.ts";
import { DEFAULT_SETTINGS_TEXT, defaultSettings, parseSettings } from "../../src/policy/settings.ts";

describe("parseSettings", () => {
  test("embedded defaults → parse; logs allowed, exec and stdin denied", () => {
    const s = defaultSettings();
    expect(s.request_defaults.ReadStreamRequest).toBe(true);
    expect(s.request_defaults.WriteStreamRequest).toBe(false);
    expect(s.request_defaults.ExecProcessRequest.regex).toEqual([]);
    expect(s.common.default_caps.length).toBe(14);
    expect(s.common.privileged_caps.length).toBe(41);
  });

  const base = () => JSON.parse(DEFAULT_SETTINGS_TEXT) as Record<string, Record<string, unknown>>;
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
      [
        "default_caps not strings",
        (s) => {
          (s.common as Record<string, unknown>).default_caps = [1];
        },
        ConfigError,
        "settings_invalid",
      ],
      [
        "bad env regex",
        (s) => {
          (
            s.request_defaults as { CreateContainerRequest: { allow_env_regex: string[] } }
          ).CreateContainerRequest.allow_env_regex = ["("];
        },
        ConfigError,
        "settings_invalid",
      ],
      [
        "pause regex invalid",
        (s) => {
          (s.pause_container as Record<string, unknown>).image_source_regex = "[";
        },
        ConfigError,
        "settings_invalid",
      ],
    ];
  for (const [what, mutate, cls, code] of rows) {
    test(`${what} → ${cls.name} ${code}`, () => {
      const s = base();
      mutate(s);
      try {
        parseSettings(JSON.stringify(s));
        throw new Error("expected an error");
      } catch (e) {
        expect(e).toBeInstanceOf(cls);
        expect((e as ContrastError).code).toBe(code);
      }
    });
  }

  test("not json → ParseError settings_not_json", () => {
    expect(() => parseSettings("{")).toThrow(ParseError);
  });
});
