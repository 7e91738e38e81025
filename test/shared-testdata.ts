// Where the shared test vectors live: `<repo>/../shared/testdata` (CI clones the repo with `shared/` beside it).

import { join } from "node:path";

export const SHARED_TESTDATA = join(import.meta.dir, "..", "..", "shared", "testdata");

/** A folder below the shared testdata, e.g. `sharedTestdata("attestation")`. */
export function sharedTestdata(...parts: string[]): string {
  return join(SHARED_TESTDATA, ...parts);
}
