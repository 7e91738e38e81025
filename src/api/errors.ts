// Stable error codes of the Coordinator API and their HTTP statuses (DESIGN.md §4). Never rename or reuse a code.

import { ContrastError } from "../common/errors.ts";

export const API_ERRORS = {
  invalid_argument: 400,
  body_too_large: 413,
  unsupported_media_type: 415,
  not_found: 404,
  no_manifest: 412,
  needs_recovery: 412,
  already_recovered: 412,
  manifest_conflict: 409,
  invalid_signature: 403,
  updates_disabled: 403,
  seedshare_owners_changed: 403,
  invalid_seed: 403,
  attestation_failed: 403,
  policy_not_in_manifest: 403,
  invalid_nonce: 403,
  unavailable: 503,
  /** The state directory could not be written (ENOSPC, EROFS, EACCES …): the message names the cause. */
  storage_unavailable: 503,
  /** Headers or body not complete within the listener's timeout (src/api/http-server.ts). */
  request_timeout: 408,
  headers_too_large: 431,
  length_required: 411,
  /** A stored file the seed cannot vouch for is damaged; the message names it (the seed is not blamed). */
  history_corrupt: 503,
  /** The stored history holds no seed-share document (a deployment set before they were stored). */
  no_seed_shares: 404,
  internal: 500,
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;

/** The JSON body of every error response: `{ code, message }`. */
export interface ApiErrorBody {
  code: ApiErrorCode;
  message: string;
}

/**
 * Thrown by route handlers (the app turns it into `{code, message}` with the code's status) and by the shape checks
 * of src/api/schema.ts. Where one reaches a command, a peer's answer failed those checks: the peer is at fault, so
 * its kind is `unavailable` (exit 6).
 */
export class ApiError extends ContrastError {
  override readonly kind = "unavailable" as const;
  declare readonly code: ApiErrorCode;
  constructor(code: ApiErrorCode, message: string) {
    super(code, message);
  }
  get status(): number {
    return API_ERRORS[this.code];
  }
}

export function isApiErrorCode(s: unknown): s is ApiErrorCode {
  return typeof s === "string" && Object.hasOwn(API_ERRORS, s);
}
