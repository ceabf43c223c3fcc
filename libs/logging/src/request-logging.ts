import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { requestContext } from './request-context';

/** A caller's own request id is kept if it looks like one; otherwise a new UUID. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Fastify's `genReqId` option: the caller's `X-Request-Id` when it looks like one, else a UUID. */
export function requestIdOf(request: { headers: Record<string, unknown> }): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * One log line per request (method, path, status, time in ms, client IP, request id), never
 * headers, query strings or bodies. The request id (see `requestIdOf`) is returned in the
 * `X-Request-Id` response header and is on every line logged while serving the request.
 */
export function logRequests(instance: FastifyInstance, logger: Logger): void {
  instance.addHook('onRequest', (request, reply, done) => {
    reply.header('X-Request-Id', request.id);
    // Everything that serves this request runs in this async context: Nest's Logger calls made
    // anywhere below carry the request id (see PinoLoggerService).
    requestContext.enterWith({ requestId: request.id });
    done();
  });
  instance.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    // 503 is the database or a drain being away, which readiness reports already: a warning.
    const level = status === 503 ? 'warn' : status >= 500 ? 'error' : 'info';
    if (logger.isLevelEnabled(level)) {
      const path = pathOf(request);
      logger[level](
        {
          reqId: request.id,
          req: { method: request.method, path, ip: request.ip },
          res: { statusCode: status },
          responseTime: Math.round(reply.elapsedTime * 100) / 100,
        },
        `${request.method} ${path} ${status}`,
      );
    }
    done();
  });
}

/** The path without its query string: queries are not logged. */
function pathOf(request: FastifyRequest): string {
  // originalUrl: the path as the client sent it, also where a handler rewrote it (/oidc/…).
  const url = request.originalUrl;
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
