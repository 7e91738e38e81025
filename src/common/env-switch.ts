// On/off environment variables (CONTRAST_SERVICE_MESH_DISABLED, CONTRAST_REMOVE_DEFAULT_DENY): one reading for all.

import { UsageError } from "./errors.ts";

/** `true` → on; unset, empty or `false` → off; anything else fails at start rather than being guessed at. */
export function readEnvSwitch(env: Record<string, string | undefined>, name: string): boolean {
  const v = env[name];
  if (v === undefined || v === "" || v === "false") return false;
  if (v === "true") return true;
  throw new UsageError("invalid_flag", `${name}: expected true or false, got ${JSON.stringify(v)}`, {
    field: name,
  });
}
