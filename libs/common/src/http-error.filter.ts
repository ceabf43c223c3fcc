import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  Inject,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
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
  405: 'method_not_allowed',
  408: 'request_timeout',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

/** Methods a route can answer, for `Allow` on a 405. */
const METHODS: HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * Maps every error to one JSON shape. Domain errors keep their code; framework errors (Nest's
 * and Fastify's: body parsing, content types, unknown routes) get a code by status; a path that
 * exists under other methods is a 405 with `Allow`; anything unexpected is logged and answered
 * as a bare 500 that reveals nothing.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrorFilter');

  constructor(
    @Inject(SSO_CONFIG) private readonly config: SsoConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    if (reply.raw.destroyed || request.raw.socket?.destroyed === true) {
      // The client went away (an aborted body, a closed socket): there is no one to answer, and
      // its socket error is not the database's.
      this.logger.debug(`Request abandoned by the client: ${(exception as Error).message}`);
      return;
    }
    if (!(exception instanceof SsoError) && isDatabaseUnavailable(exception)) {
      // The database is away (restarting, failing over, unreachable): a retry will succeed later.
      this.logger.warn(`Database unavailable: ${(exception as Error).message}`);
      void reply
        .header('Retry-After', String(DATABASE_RETRY_AFTER))
        .status(503)
        .send({
          statusCode: 503,
          code: 'service_unavailable',
          message: 'The service is temporarily unavailable; retry shortly',
        } satisfies ErrorBody);
      return;
    }
    const allowed = this.allowedMethods(exception, request);
    if (allowed.length > 0) {
      void reply
        .header('Allow', allowed.join(', '))
        .status(405)
        .send({
          statusCode: 405,
          code: 'method_not_allowed',
          message: `${request.method} is not allowed here; use ${allowed.join(', ')}`,
        } satisfies ErrorBody);
      return;
    }
    const body = this.toBody(exception);
    if (exception instanceof SsoError && exception.retryAfter !== undefined) {
      void reply.header('Retry-After', String(Math.max(1, Math.ceil(exception.retryAfter))));
    }
    if (body.statusCode === 401) {
      void reply.header('WWW-Authenticate', `${this.config.authenticateHeader} realm="api"`);
    }
    void reply.status(body.statusCode).send(body);
  }

  /** For a request that matched no route: the methods its path does answer to, if any. */
  private allowedMethods(exception: unknown, request: FastifyRequest): HTTPMethods[] {
    if (!(exception instanceof NotFoundException) || request.routeOptions.url !== undefined) {
      return [];
    }
    const router = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!router) return [];
    const url = request.url.split('?')[0];
    // A route of this very method that answered 404 (a static file that is not there) is a 404.
    if (router.findRoute({ method: request.method as HTTPMethods, url }) !== null) return [];
    const allowed = METHODS.filter(
      (method) => method !== request.method && router.findRoute({ method, url }) !== null,
    );
    // HEAD alone is the shadow of a GET route (a wildcard's), never a path to point a client at.
    return allowed.length === 1 && allowed[0] === 'HEAD' ? [] : allowed;
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

/** Status of a Nest `HttpException`, or of a Fastify error (body parsing, content type: `statusCode`). */
function httpStatusOf(exception: unknown): number | undefined {
  if (exception instanceof HttpException) return exception.getStatus();
  if (typeof exception === 'object' && exception !== null && 'statusCode' in exception) {
    const { statusCode, code } = exception as { statusCode: unknown; code?: unknown };
    // Fastify's own errors carry an FST_ code; anything else with a status is not trusted.
    if (typeof code === 'string' && code.startsWith('FST_') && typeof statusCode === 'number') {
      return statusCode;
    }
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
  request_timeout: 'The request took too long',
};

function publicMessage(code: ErrorCode): string {
  return PUBLIC_MESSAGES[code] ?? 'Request failed';
}
