// Asks a docker credential helper (`docker-credential-<name> get`, server URL on stdin) for a registry's credentials.
//
// Protocol: docker/docker-credential-helpers `client.Get`: stdout is `{"ServerURL","Username","Secret"}`; a Username
// of `<token>` means Secret is an identity token; "credentials not found" on stdout with a non-zero exit means none.
// Neither the helper's stdout nor its stderr is ever put into an error: either may carry the secret.

import { ConfigError } from "../../common/errors.ts";
import type { RegistryCredentials } from "./registry-credentials.ts";

export interface HelperRunOptions {
  /** PATH to search for `docker-credential-<name>`. */
  readonly path: string | undefined;
  readonly timeoutMs?: number;
}

const MAX_OUTPUT = 64 * 1024;

function failed(name: string, why: string): never {
  throw new ConfigError("credential_helper_failed", `credential helper docker-credential-${name}: ${why}`, {
    field: `docker-credential-${name}`,
  });
}

/** Runs the helper; `undefined` when it has no credentials for this server. */
export async function runCredentialHelper(
  name: string,
  serverUrl: string,
  source: string,
  opts: HelperRunOptions,
): Promise<RegistryCredentials | undefined> {
  const exe = Bun.which(`docker-credential-${name}`, opts.path === undefined ? {} : { PATH: opts.path });
  if (exe === null) failed(name, `expected an executable on PATH (named in ${source}), got none`);
  const proc = Bun.spawn([exe, "get"], {
    stdin: new TextEncoder().encode(serverUrl),
    stdout: "pipe",
    stderr: "ignore",
  });
  const timer = setTimeout(() => proc.kill(), opts.timeoutMs ?? 30_000);
  let out: string;
  let code: number;
  try {
    [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited]);
  } finally {
    clearTimeout(timer);
  }
  if (code !== 0) {
    if (/credentials not found/i.test(out)) return undefined;
    failed(name, `expected exit 0 for ${serverUrl}, got ${proc.signalCode ?? code}`);
  }
  if (out.length > MAX_OUTPUT) failed(name, `expected at most ${MAX_OUTPUT} bytes of output, got more`);
  let body: { Username?: unknown; Secret?: unknown };
  try {
    body = JSON.parse(out) as typeof body;
  } catch {
    failed(name, `expected a json object with Username and Secret for ${serverUrl}, got something else`);
  }
  const { Username: user, Secret: secret } = body ?? {};
  if (typeof user !== "string" || typeof secret !== "string" || secret === "")
    failed(name, `expected a json object with Username and Secret for ${serverUrl}, got something else`);
  const from = `docker-credential-${name} (${source})`;
  return user === "<token>"
    ? { kind: "identity-token", token: secret, source: from }
    : { kind: "basic", username: user, password: secret, source: from };
}
