// Which outside tools this machine has, for tests that cross-check against them (they are skipped, and say so, where
// a tool is missing; CI installs them all).

import { execFileSync } from "node:child_process";

function runs(command: string, args: readonly string[]): boolean {
  try {
    execFileSync(command, [...args], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** OpenSSL's command line, the independent implementation key and certificate tests compare against. */
export const HAS_OPENSSL = runs("openssl", ["version"]);
