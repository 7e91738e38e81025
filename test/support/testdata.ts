// Where the test vectors live: `test/testdata/` in this repository (each folder's README names source, licence and outcome).

import { join } from "node:path";

export const TESTDATA = join(import.meta.dir, "..", "testdata");

/** A path below `test/testdata`, e.g. `testdata("attestation", "amd")`. */
export function testdata(...parts: string[]): string {
  return join(TESTDATA, ...parts);
}
