// A real OCI registry on loopback for integration tests: Debian's `docker-registry`, optionally behind htpasswd
// (bcrypt lines written with Bun.password), and small images built with umoci and pushed with skopeo.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const REGISTRY_BIN = Bun.which("registry") ?? Bun.which("docker-registry");

/** Tools the registry tests need that are missing (empty when all are there). */
export function missingRegistryTools(extra: readonly string[] = []): string[] {
  const missing = REGISTRY_BIN === null ? ["docker-registry"] : [];
  for (const t of ["umoci", "skopeo", ...extra]) if (Bun.which(t) === null) missing.push(t);
  return missing;
}

export function sh(cmd: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): string {
  const r = Bun.spawnSync(cmd, {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdout: "pipe",
    stderr: "pipe",
  });
  if (r.exitCode !== 0) throw new Error(`${cmd[0]} ${cmd[1] ?? ""} failed: ${r.stderr.toString()}`);
  return r.stdout.toString().trim();
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface TestRegistry {
  /** `127.0.0.1:<port>` */
  readonly host: string;
  readonly dir: string;
  stop(): void;
}

/** Starts `docker-registry serve` on 127.0.0.1 (plain http); with `users`, htpasswd Basic auth for them. */
export async function startRegistry(users: Record<string, string> = {}): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), "contrast-registry-"));
  const host = `127.0.0.1:${await freePort()}`;
  let auth = "";
  if (Object.keys(users).length > 0) {
    const lines = await Promise.all(
      Object.entries(users).map(
        async ([u, p]) => `${u}:${await Bun.password.hash(p, { algorithm: "bcrypt", cost: 4 })}`,
      ),
    );
    writeFileSync(join(dir, "htpasswd"), `${lines.join("\n")}\n`);
    auth = `auth:\n  htpasswd:\n    realm: contrast-test\n    path: ${join(dir, "htpasswd")}\n`;
  }
  const config = join(dir, "config.yml");
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, "data")}\nhttp:\n  addr: ${host}\n${auth}`,
  );
  const proc = Bun.spawn([REGISTRY_BIN as string, "serve", config], { stdout: "ignore", stderr: "ignore" });
  for (let i = 0; ; i++) {
    try {
      const res = await fetch(`http://${host}/v2/`);
      await res.arrayBuffer();
      if (res.status === 200 || res.status === 401) break;
    } catch {}
    if (i > 200) {
      proc.kill();
      throw new Error(`registry at ${host} did not come up`);
    }
    await Bun.sleep(50);
  }
  return {
    host,
    dir,
    stop: () => {
      proc.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface TinyImage {
  readonly entrypoint: string[];
  readonly env?: string[];
  readonly user?: string;
  readonly workingDir?: string;
  readonly volume?: string;
  readonly cmd?: string[];
}

/** Builds an image without layers (config only) with umoci and pushes it to `ref`; returns its digest. */
export function pushTinyImage(ref: string, image: TinyImage, creds?: string): string {
  const dir = mkdtempSync(join(tmpdir(), "contrast-image-"));
  const layout = join(dir, "oci");
  try {
    sh(["umoci", "init", "--layout", layout]);
    sh(["umoci", "new", "--image", `${layout}:t`]);
    const args = ["--os", "linux", "--architecture", "amd64"];
    for (const e of image.entrypoint) args.push("--config.entrypoint", e);
    for (const c of image.cmd ?? []) args.push("--config.cmd", c);
    for (const e of image.env ?? []) args.push("--config.env", e);
    if (image.user !== undefined) args.push("--config.user", image.user);
    if (image.workingDir !== undefined) args.push("--config.workingdir", image.workingDir);
    if (image.volume !== undefined) args.push("--config.volume", image.volume);
    sh(["umoci", "config", "--image", `${layout}:t`, ...args]);
    const auth = creds === undefined ? [] : ["--dest-creds", creds];
    const digestFile = join(dir, "digest");
    sh([
      "skopeo",
      "copy",
      "--quiet",
      "--dest-tls-verify=false",
      ...auth,
      "--digestfile",
      digestFile,
      `oci:${layout}:t`,
      `docker://${ref}`,
    ]);
    return readFileSync(digestFile, "utf8").trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A containers-auth.json(5) file granting `user:password` on `host`. */
export function writeAuthFile(path: string, host: string, user: string, password: string): string {
  const auth = Buffer.from(`${user}:${password}`).toString("base64");
  writeFileSync(path, JSON.stringify({ auths: { [host]: { auth } } }), { mode: 0o600 });
  return path;
}
