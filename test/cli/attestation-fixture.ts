// What the `attestation verify` CLI tests of both platforms share: a scratch directory, the testdata paths handed to
// the CLI (recorded, so each file checks that every vector went through it), and an in-process run of
// `contrast attestation verify` through the real cac parser with a fresh collateral cache per run.

import { afterAll, expect } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cac } from "cac";
import { registerAttestation } from "../../src/cli/attestation.ts";
import { parseAndRun } from "../../src/command/command.ts";
import { testdata } from "../support/testdata.ts";

// biome-ignore lint/suspicious/noExplicitAny: parsed CLI output, asserted field by field
export type Json = Record<string, any>;

export interface VerifyRun {
  code: number;
  stdout: string;
  stderr: string;
  /** The parsed `--json` object ({} for a run without `--json`). */
  json: Json;
}

/** `r` ended with exit code `exit` and the JSON error `code`. */
export function expectFailed(r: VerifyRun, exit: number, code: string): void {
  expect(r.code).toBe(exit);
  expect(r.json.error.code).toBe(code);
}

/** `env`: the collateral service URL of the platform (a local server, never the vendor's). */
export function attestationCli(name: string, env: Record<string, string>) {
  const data = testdata("attestation");
  const tmp = mkdtempSync(join(tmpdir(), `contrast-attestation-${name}-`));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  /** Testdata files handed to the CLI, relative to testdata/attestation. */
  const used = new Set<string>();
  let cacheCount = 0;
  return {
    tmp,
    td(rel: string): string {
      used.add(rel);
      return join(data, rel);
    },
    /** Every file under `dirs` of testdata/attestation (`count` of them) went through the CLI. */
    expectEveryFileUsed(dirs: string[], count: number): void {
      const all = dirs.flatMap((d) => readdirSync(join(data, d)).map((f) => `${d}/${f}`));
      expect(all.length).toBe(count);
      expect([...used].sort()).toEqual(all.sort());
    },
    /** Runs `contrast attestation verify ARGS [--json]` and returns exit code, output and parsed JSON. */
    async verify(args: string[], extraEnv: Record<string, string> = {}, json = true): Promise<VerifyRun> {
      const out: string[] = [];
      const err: string[] = [];
      const cli = cac("contrast");
      registerAttestation(cli, {
        stdout: (t) => out.push(t),
        stderr: (t) => err.push(t),
        env: { CONTRAST_CACHE_DIR: join(tmp, `cache-${cacheCount++}`), ...env, ...extraEnv },
        clock: () => new Date(),
      });
      await parseAndRun(cli, ["attestation", "verify", ...args, ...(json ? ["--json"] : [])]);
      const code = Number(process.exitCode ?? 0);
      process.exitCode = 0;
      const stdout = out.join("");
      return { code, stdout, stderr: err.join(""), json: json ? JSON.parse(stdout) : {} };
    },
  };
}
