// The Coordinator API's error answers: each code's HTTP status (the codes: src/common/codes.ts API_CODES), and the
// one error class for them. Never rename or reuse a code.

import { type ApiCode, kindOfCode } from "../common/codes.ts";
import { ContrastError, type ErrorKind } from "../common/errors.ts";

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
  /** Never sent: what a client records for an answer whose code it does not know (its status is the one received). */
  unknown: 500,
} as const satisfies Record<ApiCode, number>;

/** The JSON body of every error response: `{ code, message }`. */
export interface ApiErrorBody {
  code: ApiCode;
  message: string;
}

/**
 * An error answer of the Coordinator API. Route handlers and the shape checks of src/api/schema.ts throw it (the app
 * answers `{code, message}` with the code's status); a client raises it for the Coordinator's error answers, with the
 * status it received. Where one reaches a command, its exit code is that of the class owning its code
 * (src/common/codes.ts): a refused request (`invalid_argument`) 2, `attestation_failed` 5, `no_manifest` 6. A client
 * that finds a peer's *answer* malformed says so with its own code (`bad_response`), not with this class.
 */
export class ApiError extends ContrastError {
  override readonly kind: ErrorKind;
  declare readonly code: ApiCode;
  readonly status: number;
  constructor(code: ApiCode, message: string, status: number = API_ERRORS[code]) {
    super(code, message);
    this.kind = kindOfCode(code);
    this.status = status;
  }
}
