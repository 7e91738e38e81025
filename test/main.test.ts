// src/main.ts: the command table loads a command's module only when that command is named, and the names and
// descriptions it lists without loading are the ones the modules register (issue 13, target 3).

import { describe, expect, spyOn, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { type CAC, cac } from "cac";
import { selectCommand } from "../src/command/command.ts";
import { UsageError } from "../src/common/errors.ts";
import { COMMANDS, createCliFor, createContrastCli, rootHelpText } from "../src/main.ts";
import { expectError } from "./support/expect-error.ts";

const MAIN = join(import.meta.dir, "..", "src", "main.ts");
const VERSION = join(import.meta.dir, "..", "src", "cli", "version.ts");

/** What cac prints for `contrast --help` on `cli` (it prints with console.info). */
function rootHelp(cli: CAC): string {
  let out = "";
  const info = spyOn(console, "info").mockImplementation((s: unknown) => {
    out += `${String(s)}\n`;
  });
  try {
    cli.parse(["contrast", "contrast"], { run: false });
    cli.outputHelp();
  } finally {
    info.mockRestore();
  }
  return out;
}

/** The modules a fresh process has loaded after `body` (a script importing src/main.ts) ran. */
function modulesLoadedBy(body: string): string[] {
  const script = `const main = await import(${JSON.stringify(MAIN)});\n${body}\nconsole.log(JSON.stringify(Object.keys(require.cache)));`;
  const r = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim().split("\n").at(-1) as string) as string[];
}

const HEAVY =
  /node_modules\/(@peculiar|asn1js|hono|reflect-metadata|@noble|pvtsutils|tsyringe|smol-toml|yaml)\//;

describe("COMMANDS", () => {
  test.each(COMMANDS.map((e) => [e.usage, e] as const))(
    "%s → the usage and description its module registers",
    (_, entry) => {
      const cli = cac("contrast");
      entry.load()(cli);
      expect(cli.commands.map((c) => [c.rawName, c.description])).toEqual([[entry.usage, entry.description]]);
    },
  );
});

describe("rootHelpText", () => {
  test("→ exactly what cac prints for contrast --help with every module loaded", () => {
    expect(`${rootHelpText()}\n`).toBe(rootHelp(createContrastCli()));
  });
});

describe("createCliFor", () => {
  test("no command named → root help identical to the one with every module loaded", () => {
    expect(rootHelp(createCliFor(["--help"]))).toBe(rootHelp(createContrastCli()));
  });

  test("--help, and --version's text → no crypto, X.509, TLS, HTTP or YAML module loaded", () => {
    const help = modulesLoadedBy('main.createCliFor(["--help"]);');
    expect(help.filter((m) => HEAVY.test(m))).toEqual([]);
    const version = modulesLoadedBy(`require(${JSON.stringify(VERSION)}).versionText();`);
    expect(version.filter((m) => HEAVY.test(m))).toEqual([]);
  });

  test("a command after a global flag → that command's module only", () => {
    const cli = createCliFor(["--log-level", "debug", "runtime", "--json"]);
    expect(cli.commands.map((c) => c.name)).toEqual(["runtime"]);
  });

  test("an unknown command → unknown_command, as with every module loaded", () => {
    expectError(() => selectCommand(createCliFor(["nope"]), ["nope"]), UsageError, "unknown_command");
    expectError(() => selectCommand(createContrastCli(), ["nope"]), UsageError, "unknown_command");
  });
});
