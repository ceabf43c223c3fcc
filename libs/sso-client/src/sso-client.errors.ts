import { HttpException } from '@nestjs/common';

/** Error codes the guard answers with; the same codes and JSON shape as the identity server. */
export type SsoClientErrorCode =
  | 'not_authenticated'
  | 'invalid_token'
  | 'token_expired'
  | 'wrong_token_type'
  | 'wrong_account'
  | 'insufficient_scope'
  | 'service_unavailable';

const STATUS: Record<SsoClientErrorCode, number> = {
  not_authenticated: 401,
  invalid_token: 401,
  token_expired: 401,
  wrong_token_type: 401,
  wrong_account: 403,
  insufficient_scope: 403,
  service_unavailable: 503,
};

/**
 * An authentication or authorization failure. Nest's default exception handling sends its body
 * as is: `{"statusCode": 401, "code": "invalid_token", "message": "..."}`. The guard also sets
 * `WWW-Authenticate` on 401 answers and `Retry-After` (seconds) on 503 answers.
 */
export class SsoClientError extends HttpException {
  constructor(
    readonly code: SsoClientErrorCode,
    message: string,
    /** Seconds after which a retry may succeed (503 only). */
    readonly retryAfter?: number,
  ) {
    super({ statusCode: STATUS[code], code, message }, STATUS[code]);
  }
}
