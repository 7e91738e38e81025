// Prints the runtime handler suffix of every embedded lock, `CLH-SNP=a748f357,Metal-QEMU-SNP=…`, for `bun build
// --define CONTRAST_LOCK_SUFFIXES=…` (Makefile, images/release.sh): the compiled binary then names its runtime
// handlers without validating and hashing three lock files at start-up (issue 13: `contrast --version`). The locks
// are validated here, so a malformed one fails the build.
//
//   bun tools/lock-suffixes.ts

import { listPlatforms, loadRuntimeLock, runtimeHandlerForLock } from "../src/platform/index.ts";

export function lockSuffixes(): string {
  return listPlatforms()
    .map((p) => `${p.name}=${runtimeHandlerForLock(loadRuntimeLock(p)).split("-").at(-1)}`)
    .join(",");
}

if (import.meta.main) console.log(lockSuffixes());
