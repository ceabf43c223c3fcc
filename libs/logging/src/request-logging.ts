import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { requestContext } from './request-context';

/** A caller's own request id is kept if it looks like one; otherwise a new UUID. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

type Request = IncomingMessage & { ip?: string; originalUrl?: string; id?: unknown };

/**
 * One log line per request (method, path, status, time, client IP, request id), never headers
 * or bodies. The request id comes from `X-Request-Id` or is made up, is returned in the
 * `X-Request-Id` response header, and is on every line logged while serving the request.
 */
export function requestLogging(logger: Logger) {
  const http = pinoHttp({
    logger,
    genReqId: (request: IncomingMessage, response: ServerResponse) => {
      const given = request.headers['x-request-id'];
      const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
      response.setHeader('X-Request-Id', id);
      return id;
    },
    // 503 is the database or a drain being away, which readiness reports already: a warning.
    customLogLevel: (_request, response) =>
      response.statusCode === 503 ? 'warn' : response.statusCode >= 500 ? 'error' : 'info',
    customSuccessMessage: (request, response) =>
      `${request.method} ${pathOf(request as Request)} ${response.statusCode}`,
    customErrorMessage: (request, response) =>
      `${request.method} ${pathOf(request as Request)} ${response.statusCode}`,
    serializers: {
      req: (request: { method: string; url: string; raw: Request }) => ({
        method: request.method,
        path: pathOf(request.raw),
        ip: request.raw.ip,
      }),
      res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
      // pino-http makes up an Error (with its own stack) for every 5xx; the filter logs real ones.
      err: () => undefined,
    },
    quietReqLogger: true,
  });
  return (request: Request, response: ServerResponse, next: () => void) => {
    http(request, response);
    // genReqId above always returns a string.
    requestContext.run({ requestId: request.id as string }, next);
  };
}

/** The path without its query string: queries are not logged. */
function pathOf(request: Request): string {
  return (request.originalUrl ?? request.url ?? '').split('?')[0];
}
