// Where a registry's credentials come from, in the order podman/skopeo (containers-auth.json(5)) and docker read them.
//
// 1. `$REGISTRY_AUTH_FILE`, else `${XDG_RUNTIME_DIR}/containers/auth.json`
// 2. `${XDG_CONFIG_HOME:-~/.config}/containers/auth.json`
// 3. `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`
// The first file with an entry for the registry wins; its entry may name a `docker-credential-<name>` helper.
// Credentials are handed to the registry client only; nothing here logs them or puts them into an error.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type AuthConfig, helperServerUrl, lookupAuth, parseAuthConfig } from "./auth-config.ts";
import { runCredentialHelper } from "./credential-helper.ts";

export type RegistryCredentials =
  | {
      readonly kind: "basic";
      readonly username: string;
      readonly password: string;
      /** Where they came from (a file path or helper name), for messages. */
      readonly source: string;
    }
  | { readonly kind: "identity-token"; readonly token: string; readonly source: string };

export interface CredentialStore {
  /** Credentials for `registry` (host[:port] as in the API URL) and repository, or undefined for anonymous. */
  get(registry: string, repository: string): Promise<RegistryCredentials | undefined>;
  /** The files searched, in order, for "no credentials found" messages. */
  readonly searched: readonly string[];
}

export interface CredentialStoreOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly home: string;
}

/** The auth files to search, in order (see the file comment). */
export function authFilePaths(env: CredentialStoreOptions["env"], home: string): string[] {
  const first = env.REGISTRY_AUTH_FILE
    ? env.REGISTRY_AUTH_FILE
    : env.XDG_RUNTIME_DIR
      ? join(env.XDG_RUNTIME_DIR, "containers", "auth.json")
      : undefined;
  const xdgConfig = env.XDG_CONFIG_HOME || join(home, ".config");
  const docker = env.DOCKER_CONFIG
    ? join(env.DOCKER_CONFIG, "config.json")
    : join(home, ".docker", "config.json");
  return [...(first === undefined ? [] : [first]), join(xdgConfig, "containers", "auth.json"), docker];
}

/** A store over the user's auth files; each file is read once, on first use. Anonymous when none names the registry. */
export function createCredentialStore(opts: CredentialStoreOptions): CredentialStore {
  const paths = authFilePaths(opts.env, opts.home);
  let configs: AuthConfig[] | undefined;
  const load = (): AuthConfig[] => {
    configs ??= paths.filter((p) => existsSync(p)).map((p) => parseAuthConfig(p, readFileSync(p, "utf8")));
    return configs;
  };
  return {
    searched: paths,
    async get(registry, repository) {
      for (const config of load()) {
        const entry = lookupAuth(config, registry, repository);
        if (entry === undefined) continue;
        if (entry.kind !== "helper") return { ...entry, source: config.path };
        const found = await runCredentialHelper(entry.helper, helperServerUrl(registry), config.path, {
          path: opts.env.PATH,
        });
        if (found !== undefined) return found;
      }
      return undefined;
    },
  };
}

/** A store that never has credentials (tests, and callers that must stay anonymous). */
export const ANONYMOUS: CredentialStore = Object.freeze({ searched: [], get: async () => undefined });
