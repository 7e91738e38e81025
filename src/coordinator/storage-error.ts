// Storage failures of the state directory get their own API code (issue 15 §2): a full or read-only volume is an
// operator's problem with a name (ENOSPC, EROFS, EACCES …), not an `internal` 500 whose cause only the log knows.

import { ApiError } from "../api/errors.ts";

/** errno codes that mean "the state directory cannot take this write", not a bug. */
const STORAGE_ERRNOS: Record<string, string> = {
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EROFS: "read-only file system",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EIO: "input/output error",
  ENOENT: "no such file or directory",
  ENOTDIR: "not a directory",
  EMFILE: "too many open files",
  ENFILE: "too many open files in system",
  EFBIG: "file too large",
};

/** The errno code of a failed file operation, if `e` is one we classify as storage. */
export function storageErrno(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" && Object.hasOwn(STORAGE_ERRNOS, code) ? code : undefined;
}

/** `storage_unavailable` naming the errno and what was being written; other errors are returned unchanged. */
export function asStorageError(e: unknown, what: string): unknown {
  const code = storageErrno(e);
  if (code === undefined) return e;
  return new ApiError(
    "storage_unavailable",
    `state directory: expected ${what} to be written, got ${code} (${STORAGE_ERRNOS[code]}); nothing was changed`,
  );
}
