// configfs-tsm report issuer (Linux ≥ 6.7): one entry per request, inblob in, outblob/auxblob out, generation checked (Linux Documentation/ABI/testing/configfs-tsm).
//
// Only real SEV-SNP / TDX guests exercise the kernel side: report generation on the outblob read, the host's
// certificate table in auxblob, privlevel_floor enforcement and configfs' refusal to rmdir a busy entry. Tests run
// these steps on a temporary directory through the injectable `TsmFs`.

import { constants } from "node:fs";
import { mkdir, open, rmdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { concatBytes, toHex } from "../common/bytes.ts";
import { ConfigError, ParseError, UnavailableError } from "../common/errors.ts";

export type TsmProvider = "sev_guest" | "tdx_guest" | (string & {});

export interface TsmReport {
  provider: TsmProvider;
  /** SNP: the 1184-byte report; TDX: the quote. */
  outblob: Uint8Array;
  /** SNP: the host's certificate table (AMD GHCB spec #56421, certificate table), absent when the host supplied none. */
  auxblob?: Uint8Array;
  generation: number;
}

/** The filesystem operations the client needs; the default works on configfs, tests pass a simulation. */
export interface TsmFs {
  isDirectory(path: string): Promise<boolean>;
  mkdir(path: string): Promise<void>;
  rmdir(path: string): Promise<void>;
  /** Reads at most `maxBytes` (throws `RangeError` past that); a missing file rejects with code ENOENT. */
  readFile(path: string, maxBytes: number): Promise<Uint8Array>;
  writeFile(path: string, data: Uint8Array): Promise<void>;
}

export interface TsmClientOptions {
  root?: string;
  fs?: TsmFs;
  /** Unique entry directory name (default `contrast-<pid>-<random>`). */
  entryName?: () => string;
}

export interface TsmClient {
  getReport(inblob: Uint8Array, opts?: { privlevel?: number }): Promise<TsmReport>;
}

export const DEFAULT_TSM_ROOT = "/sys/kernel/config/tsm/report";
const MAX_BLOB = 1024 * 1024;
const MAX_SMALL = 256;

export const nodeTsmFs: TsmFs = {
  async isDirectory(path) {
    try {
      return (await stat(path)).isDirectory();
    } catch {
      return false;
    }
  },
  async mkdir(path) {
    await mkdir(path, { mode: 0o700 });
  },
  async rmdir(path) {
    await rmdir(path); // configfs removes the attribute files with the directory
  },
  async readFile(path, maxBytes) {
    // configfs files report size 0 or 4096, so read to EOF instead of trusting stat.
    const fh = await open(path, constants.O_RDONLY);
    try {
      const chunks: Uint8Array[] = [];
      let total = 0;
      for (;;) {
        const buf = new Uint8Array(Math.min(65536, maxBytes + 1 - total));
        const { bytesRead } = await fh.read(buf, 0, buf.length, null);
        if (bytesRead === 0) break;
        total += bytesRead;
        if (total > maxBytes) throw new RangeError(`expected at most ${maxBytes} bytes`);
        chunks.push(buf.subarray(0, bytesRead));
      }
      return concatBytes(...chunks);
    } finally {
      await fh.close();
    }
  },
  async writeFile(path, data) {
    const fh = await open(path, "w");
    try {
      let off = 0;
      while (off < data.length) off += (await fh.write(data, off, data.length - off)).bytesWritten;
    } finally {
      await fh.close();
    }
  },
};

export function createTsmClient(opts: TsmClientOptions = {}): TsmClient {
  const root = opts.root ?? DEFAULT_TSM_ROOT;
  const fs = opts.fs ?? nodeTsmFs;
  const entryName = opts.entryName ?? defaultEntryName;
  return {
    async getReport(inblob, o = {}) {
      if (!(inblob instanceof Uint8Array) || inblob.length !== 64) {
        throw new ParseError(
          "invalid_length",
          `inblob: expected 64 bytes, got ${inblob?.length ?? "nothing"}`,
          {
            field: "inblob",
          },
        );
      }
      if (
        o.privlevel !== undefined &&
        !(Number.isInteger(o.privlevel) && o.privlevel >= 0 && o.privlevel <= 3)
      ) {
        throw new ConfigError("invalid_privlevel", `privlevel: expected integer 0..3, got ${o.privlevel}`, {
          field: "privlevel",
        });
      }
      return withEntry(fs, root, entryName(), (dir) => requestReport(fs, dir, inblob, o.privlevel));
    },
  };
}

/** The provider behind `root` (`sev_guest`, `tdx_guest`, …) for `--tee auto`; undefined when configfs-tsm is absent. */
export async function detectTsmProvider(opts: TsmClientOptions = {}): Promise<TsmProvider | undefined> {
  const root = opts.root ?? DEFAULT_TSM_ROOT;
  const fs = opts.fs ?? nodeTsmFs;
  if (!(await fs.isDirectory(root))) return undefined;
  return withEntry(fs, root, (opts.entryName ?? defaultEntryName)(), (dir) => readText(fs, dir, "provider"));
}

function defaultEntryName(): string {
  return `contrast-${process.pid}-${toHex(crypto.getRandomValues(new Uint8Array(8)))}`;
}

/** Creates a private entry directory, runs `fn`, and always removes the entry again. */
async function withEntry<T>(
  fs: TsmFs,
  root: string,
  name: string,
  fn: (dir: string) => Promise<T>,
): Promise<T> {
  if (!(await fs.isDirectory(root))) {
    throw new UnavailableError(
      "tsm_unavailable",
      `tsm root: expected a configfs-tsm directory at ${root}, got none`,
    );
  }
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name) || name === "." || name === "..") {
    throw new ConfigError(
      "invalid_tsm_entry",
      `entry name: expected [A-Za-z0-9._-]{1,64}, got ${JSON.stringify(name)}`,
    );
  }
  const dir = join(root, name);
  await attempt("entry", () => fs.mkdir(dir));
  try {
    return await fn(dir);
  } finally {
    await fs.rmdir(dir).catch(() => {}); // a failed cleanup must not hide the result or the first error
  }
}

async function requestReport(
  fs: TsmFs,
  dir: string,
  inblob: Uint8Array,
  privlevel?: number,
): Promise<TsmReport> {
  if (privlevel !== undefined) {
    const floor = await readNumber(fs, dir, "privlevel_floor");
    if (privlevel < floor) {
      throw new ConfigError(
        "invalid_privlevel",
        `privlevel: expected at least privlevel_floor ${floor}, got ${privlevel}`,
        {
          field: "privlevel",
        },
      );
    }
    await attempt("privlevel", () =>
      fs.writeFile(join(dir, "privlevel"), new TextEncoder().encode(`${privlevel}\n`)),
    );
  }
  await attempt("inblob", () => fs.writeFile(join(dir, "inblob"), inblob));
  const generation = await readNumber(fs, dir, "generation");
  const provider = await readText(fs, dir, "provider");
  const outblob = await attempt("outblob", () => fs.readFile(join(dir, "outblob"), MAX_BLOB));
  if (outblob.length === 0)
    throw new UnavailableError("tsm_unavailable", "outblob: expected a report, got 0 bytes");
  const auxblob = await readOptional(fs, join(dir, "auxblob"));
  const after = await readNumber(fs, dir, "generation");
  if (after !== generation) {
    // Another writer changed inblob between our write and read: the outblob may carry their REPORT_DATA.
    throw new UnavailableError("tsm_race", `generation: expected ${generation}, got ${after}`);
  }
  return auxblob === undefined
    ? { provider, outblob, generation }
    : { provider, outblob, auxblob, generation };
}

async function readOptional(fs: TsmFs, path: string): Promise<Uint8Array | undefined> {
  try {
    const b = await fs.readFile(path, MAX_BLOB);
    return b.length === 0 ? undefined : b;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined; // tdx_guest has no auxblob
    throw unavailable("auxblob", e);
  }
}

async function readText(fs: TsmFs, dir: string, attr: string): Promise<string> {
  const b = await attempt(attr, () => fs.readFile(join(dir, attr), MAX_SMALL));
  return new TextDecoder().decode(b).trim();
}

async function readNumber(fs: TsmFs, dir: string, attr: string): Promise<number> {
  const s = await readText(fs, dir, attr);
  if (!/^\d{1,15}$/.test(s)) {
    throw new ParseError(
      "invalid_tsm_attribute",
      `${attr}: expected a decimal number, got ${JSON.stringify(s.slice(0, 20))}`,
      {
        field: attr,
      },
    );
  }
  return Number(s);
}

async function attempt<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw unavailable(what, e);
  }
}

function unavailable(what: string, e: unknown): UnavailableError {
  const code = (e as NodeJS.ErrnoException)?.code;
  const reason = code ?? (e instanceof Error ? e.message : String(e));
  return new UnavailableError("tsm_unavailable", `${what}: expected configfs-tsm access, got ${reason}`, {
    cause: e,
  });
}
