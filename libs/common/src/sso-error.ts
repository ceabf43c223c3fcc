/**
 * Every error code a client can see, with its HTTP status. Codes are part of the API: clients
 * branch on them, so a code is never renamed, only added.
 */
export const ERROR_STATUS = {
  validation_failed: 400,
  malformed_request: 400,
  invalid_credentials: 401,
  not_authenticated: 401,
  invalid_token: 401,
  token_expired: 401,
  wrong_token_type: 401,
  session_revoked: 401,
  forbidden: 403,
  not_a_member: 403,
  not_found: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  uri_too_long: 414,
  conflict: 409,
  wrong_password: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_attempts: 429,
  headers_too_large: 431,
  rate_limited: 429,
  internal_error: 500,
  service_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** One invalid field of a request body. */
export interface FieldError {
  field: string;
  message: string;
}

/** The JSON body of every error response. */
export interface ErrorBody {
  statusCode: number;
  code: ErrorCode;
  message: string;
  errors?: FieldError[];
}

/** A domain error with a stable code; the HTTP error filter turns it into an `ErrorBody`. */
export class SsoError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fieldErrors?: FieldError[],
    /** Seconds after which a retry may succeed; sent as `Retry-After`. */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'SsoError';
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}
