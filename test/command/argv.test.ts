// Every flag of every registered command is read by its kind from the option table (issue 11 §7): boolean flags never
// take the next argument, and values and positional arguments stay the strings typed (leading zeros, digits only).

import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { registerGenerate } from "../../src/cli/generate-command.ts";
import { registerKeys } from "../../src/cli/keys.ts";
import { type CacOption, isRepeatable, parseCommandLine } from "../../src/command/argv.ts";
import { listCommands, selectCommand } from "../../src/command/command.ts";
import { UsageError } from "../../src/common/errors.ts";
import { renderCoordinatorResources } from "../../src/kube/coordinator-resources.ts";
import { createContrastCli } from "../../src/main.ts";
import { MemoryLayersCache } from "../../src/policy/image/layers-cache.ts";
import { expectCode } from "../support/expect-error.ts";
import { runInProcess } from "../support/run-in-process.ts";

afterEach(() => {
  process.exitCode = 0;
});

const COMMANDS = listCommands(createContrastCli());
const longName = (o: CacOption) =>
  o.rawName
    .split(",")
    .map((n) => n.trim().split(/[ <[]/)[0]!)
    .find((n) => n.startsWith("--"))!;
const flagsOf = (c: (typeof COMMANDS)[number]) =>
  c.command.options.filter((o) => !["help", "version"].includes(o.name));
/** A fresh root for each parse: cac keeps the matched command on the instance. */
const select = (argv: string[]) => selectCommand(createContrastCli(), argv)!;

describe("selectCommand over every registered command", () => {
  test("the table covers the commands and flags of the whole CLI", () => {
    const paths = COMMANDS.map((c) => c.path.join(" "));
    for (const p of ["generate", "set", "verify", "recover", "keys new", "coordinator", "attestation verify"])
      expect(paths).toContain(p);
    const booleans = COMMANDS.flatMap((c) => flagsOf(c).filter((o) => o.isBoolean));
    expect(booleans.length).toBeGreaterThanOrEqual(15);
  });

  test("a boolean flag before a positional argument → true, the argument stays positional", () => {
    let checked = 0;
    for (const c of COMMANDS) {
      for (const o of flagsOf(c).filter((f) => f.isBoolean && !f.negated)) {
        const s = select([...c.path, longName(o), "deploy/"]);
        expect({ command: c.path, flag: o.name, value: s.options[o.name] }).toEqual({
          command: c.path,
          flag: o.name,
          value: true,
        });
        expect(s.args).toEqual(["deploy/"]);
        checked++;
      }
    }
    // every dashed boolean flag the issue names is among them
    const dashed = COMMANDS.flatMap((c) => flagsOf(c).filter((o) => o.isBoolean && /-.+-/.test(longName(o))));
    expect(dashed.map(longName)).toEqual(
      expect.arrayContaining([
        "--skip-initializer",
        "--disable-updates",
        "--skip-service-mesh",
        "--unpinned-env-from-missing",
        "--force-new-deployment",
      ]),
    );
    expect(checked).toBeGreaterThanOrEqual(15);
  });

  test("a negated boolean (--no-x) → false, the next argument stays positional", () => {
    let checked = 0;
    for (const c of COMMANDS) {
      for (const o of flagsOf(c).filter((f) => f.isBoolean && f.negated)) {
        const s = select([...c.path, longName(o), "00"]);
        expect(s.options[o.name]).toBe(false);
        expect(s.args).toEqual(["00"]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(2);
  });

  test("numeric-looking values of every value flag → the strings as typed", () => {
    let checked = 0;
    for (const c of COMMANDS) {
      for (const o of flagsOf(c).filter((f) => !f.isBoolean)) {
        const flag = longName(o);
        const spaced = select([...c.path, flag, "0012"]);
        const joined = select([...c.path, `${flag}=1e3`]);
        const want = (v: string) => (isRepeatable(o) ? [v] : v);
        expect({ flag, value: spaced.options[o.name] }).toEqual({ flag, value: want("0012") });
        expect({ flag, value: joined.options[o.name] }).toEqual({ flag, value: want("1e3") });
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(80);
  });

  test("host data of zeros, -o 12345 and a numeric positional → strings", () => {
    const zeros = "00".repeat(32);
    expect(select(["coordinator", "--sim-host-data", zeros]).options.simHostData).toBe(zeros);
    const keys = select(["keys", "new", "workload-owner", "-o", "12345"]);
    expect(keys.options.output).toBe("12345");
    expect(keys.options.o).toBe("12345");
    expect(select(["policy", "check", "0123"]).args).toEqual(["0123"]);
  });

  test("a repeatable flag given twice → both values in order; a single-value flag twice → usage error", async () => {
    const s = select(["generate", "-w", "007.pem", "--add-workload-owner-key", "8.pem", "x/"]);
    expect(s.options.addWorkloadOwnerKey).toEqual(["007.pem", "8.pem"]);
    expect(s.args).toEqual(["x/"]);
    await expectCode(() => select(["set", "-c", "a:1", "-c", "b:2"]), UsageError, "invalid_flag");
  });

  test("a global flag before a group's name → the group's command, the flag kept", () => {
    const s = select(["--log-level", "debug", "keys", "new", "workload-owner", "-o", "0"]);
    expect(s.command.name).toBe("new");
    expect(s.options).toMatchObject({ logLevel: "debug", output: "0" });
    expect(s.args).toEqual(["workload-owner"]);
  });

  test("flags in every spelling: -c=v, --x=false, -- ends the flags", () => {
    expect(select(["set", "-c=10.0.0.1"]).options.coordinator).toBe("10.0.0.1");
    expect(select(["generate", "-d", "--", "-odd-dir/"]).args).toEqual(["-odd-dir/"]);
    expect(select(["generate", "--skip-initializer=false", "x"]).options.skipInitializer).toBe(false);
  });
});

describe("parseCommandLine", () => {
  const table = createContrastCli().commands.find((c) => c.name === "set")!.options;
  const rows: [string, string[], string][] = [
    ["unknown flag", ["set", "--coordinatr", "x"], "unknown_flag"],
    ["value flag at the end", ["set", "-c"], "missing_argument"],
    ["value flag before another flag", ["set", "-c", "--force-new-deployment"], "missing_argument"],
    ["boolean with a value", ["set", "--force-new-deployment=yes"], "invalid_flag"],
    ["value flag inside a short group", ["set", "-cm", "x"], "invalid_flag"],
  ];
  for (const [name, argv, code] of rows) {
    test(`${name} → UsageError ${code}`, async () => {
      await expectCode(() => parseCommandLine(argv, table, { where: "contrast set" }), UsageError, code);
    });
  }

  test("a value that starts with - given as --flag=VALUE → taken", () => {
    expect(parseCommandLine(["-m=-m.json"], table, { where: "contrast set" }).options.manifest).toBe(
      "-m.json",
    );
  });
});

describe("commands run with numeric-looking arguments and dashed booleans", () => {
  test("keys new workload-owner -o 12345 → exit 0, key written to the file 12345", async () => {
    const dir = mkdtempSync(join(tmpdir(), "argv-keys-"));
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const r = await runInProcess(registerKeys, ["keys", "new", "workload-owner", "-o", "12345"]);
      expect(r).toMatchObject({ code: 0, stderr: "wrote 12345\n" });
      expect(readFileSync(join(dir, "12345"), "utf8")).toContain("PRIVATE KEY");
    } finally {
      process.chdir(cwd);
    }
  });

  test("keys new --json → one object (kind, file, publicKey); a bad kind or an existing file → one object with the error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "argv-keys-json-"));
    const file = join(dir, "007.pem");
    const ok = await runInProcess(registerKeys, ["keys", "new", "workload-owner", "-o", file, "--json"]);
    expect(ok.code).toBe(0);
    const made = JSON.parse(ok.stdout);
    expect(made).toEqual({
      kind: "workload-owner",
      file,
      publicKey: expect.stringMatching(/^[0-9a-f]{240}$/),
    });
    const again = await runInProcess(registerKeys, ["keys", "new", "workload-owner", "-o", file, "--json"]);
    expect(again.code).toBe(3);
    expect(JSON.parse(again.stdout)).toEqual({
      error: {
        code: "file_exists",
        message: `${file}: already exists (use --force to replace it)`,
        exitCode: 3,
      },
    });
    const bad = await runInProcess(registerKeys, ["keys", "new", "owner", "--json"]);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout).error).toMatchObject({ code: "invalid_argument", exitCode: 2 });
    expect(bad.stderr).toBe(
      'error: kind: expected workload-owner or seedshare-owner, got "owner" (invalid_argument)\n',
    );
  });

  test("generate --skip-initializer deploy/ → exit 0, deploy/ generated without an Initializer", async () => {
    const digest = `sha256:${"ab".repeat(32)}`;
    const coordinatorDigest = `sha256:${"cd".repeat(32)}`;
    const ws = mkdtempSync(join(tmpdir(), "argv-generate-"));
    const deploy = join(ws, "deploy");
    mkdirSync(deploy);
    writeFileSync(
      join(deploy, "app.yaml"),
      `apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  runtimeClassName: contrast-cc\n  containers:\n  - {name: app, image: "registry.example/app@${digest}"}\n`,
    );
    writeFileSync(
      join(deploy, "coordinator.yaml"),
      renderCoordinatorResources({ image: `registry.example/coordinator@${coordinatorDigest}` }),
    );
    const cache = new MemoryLayersCache();
    cache.set(digest, { Entrypoint: ["/app"], Env: ["PATH=/bin"] });
    cache.set(coordinatorDigest, { Entrypoint: ["/contrast", "coordinator"], Env: ["PATH=/bin"] });
    writeFileSync(join(ws, "layers-cache.json"), cache.toJSON());
    const r = await runInProcess(
      (cli) => registerGenerate(cli, { rsaBits: 2048 }),
      [
        "generate",
        "--workspace-dir",
        ws,
        "--reference-values",
        "Metal-QEMU-SNP",
        "--offline",
        "--skip-initializer",
        deploy,
      ],
    );
    expect(r.code).toBe(0);
    const app = readFileSync(join(deploy, "app.yaml"), "utf8");
    expect(app).toContain("io.katacontainers.config.hypervisor.cc_init_data");
    expect(app).not.toContain("contrast-initializer");
    expect(existsSync(join(ws, "manifest.json"))).toBe(true);
  });
});
