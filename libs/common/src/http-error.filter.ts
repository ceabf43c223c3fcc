import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  Inject,
  Logger,
} from '@nestjs/common';
import type { Response } from 'express';
import { SSO_CONFIG, SsoConfig } from '@nest-sso/config';
import { fromDatabaseError } from './database-errors';
import { isDatabaseUnavailable } from './database-unavailable';
import { ERROR_STATUS, ErrorBody, ErrorCode, SsoError } from './sso-error';

/** Seconds a client is asked to wait while the database is unavailable. */
const DATABASE_RETRY_AFTER = 5;

/** Codes used for framework and body-parser errors, by HTTP status. */
const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'malformed_request',
  401: 'not_authenticated',
  403: 'forbidden',
  404: 'not_found',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

/**
 * Maps every error to one JSON shape. Domain errors keep their code; framework errors get a code by
 * status; anything unexpected is logged and answered as a bare 500 that reveals nothing.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrorFilter');

  constructor(@Inject(SSO_CONFIG) private readonly config: SsoConfig) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (!(exception instanceof SsoError) && isDatabaseUnavailable(exception)) {
      // The database is away (restarting, failing over, unreachable): a retry will succeed later.
      this.logger.warn(`Database unavailable: ${(exception as Error).message}`);
      response.setHeader('Retry-After', String(DATABASE_RETRY_AFTER));
      response.status(503).json({
        statusCode: 503,
        code: 'service_unavailable',
        message: 'The service is temporarily unavailable; retry shortly',
      } satisfies ErrorBody);
      return;
    }
    const body = this.toBody(exception);
    if (exception instanceof SsoError && exception.retryAfter !== undefined) {
      response.setHeader('Retry-After', String(Math.max(1, Math.ceil(exception.retryAfter))));
    }
    if (body.statusCode === 401) {
      response.setHeader('WWW-Authenticate', `${this.config.authenticateHeader} realm="api"`);
    }
    response.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown): ErrorBody {
    const refused = exception instanceof SsoError ? undefined : fromDatabaseError(exception);
    if (refused) {
      // A request the schema refused: the client's fault, but also a rule no service checked.
      this.logger.warn(`The database refused a request: ${(exception as Error).message}`);
      return this.toBody(refused);
    }
    if (exception instanceof SsoError) {
      const body: ErrorBody = {
        statusCode: exception.status,
        code: exception.code,
        message: exception.message,
      };
      if (exception.fieldErrors) body.errors = exception.fieldErrors;
      return body;
    }
    const status = httpStatusOf(exception);
    const code = status === undefined ? undefined : CODE_BY_STATUS[status];
    if (status !== undefined && code !== undefined) {
      return { statusCode: status, code, message: publicMessage(code) };
    }
    this.logger.error(
      exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
    );
    return {
      statusCode: ERROR_STATUS.internal_error,
      code: 'internal_error',
      message: 'Internal server error',
    };
  }
}

/** Status of a Nest `HttpException` or of a body-parser error (which carries `status` and `type`). */
function httpStatusOf(exception: unknown): number | undefined {
  if (exception instanceof HttpException) return exception.getStatus();
  if (
    typeof exception === 'object' &&
    exception !== null &&
    'type' in exception &&
    'status' in exception
  ) {
    const status = (exception as { status: unknown }).status;
    return typeof status === 'number' ? status : undefined;
  }
  return undefined;
}

/** Fixed messages for framework errors, so that parser internals never reach the client. */
const PUBLIC_MESSAGES: Partial<Record<ErrorCode, string>> = {
  malformed_request: 'The request body could not be parsed',
  payload_too_large: 'The request body is too large',
  unsupported_media_type:
    'Unsupported content type: send application/json or application/x-www-form-urlencoded',
  not_found: 'No such route',
  not_authenticated: 'Authentication credentials were not provided',
  forbidden: 'You do not have permission to perform this action',
};

function publicMessage(code: ErrorCode): string {
  return PUBLIC_MESSAGES[code] ?? 'Request failed';
}
