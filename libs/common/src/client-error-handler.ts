import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorBody, ErrorCode } from './sso-error';

/** Node's parser errors, before Express sees the request, answered in the API's error shape. */
const PARSER_ERRORS: Record<string, { code: ErrorCode; message: string }> = {
  HPE_HEADER_OVERFLOW: {
    code: 'headers_too_large',
    message: 'The request line and headers exceed 16 KB (a token that large is not one of ours)',
  },
  ERR_HTTP_REQUEST_TIMEOUT: { code: 'request_timeout', message: 'The request took too long' },
};

/** How long a refused connection may keep sending before it is cut. */
const LINGER_MS = 2000;

/**
 * The HTTP server's `clientError` handler (Fastify's `clientErrorHandler` option). Requests the
 * HTTP parser refuses (headers over 16 KB, a broken request line, a request that takes longer
 * than the request timeout) never reach the application; Node would answer them with an empty
 * body. This answers them with the JSON error shape instead, and closes the connection.
 */
export function createClientErrorHandler(): (error: Error, socket: Duplex) => void {
  const answered = new WeakSet<Duplex>();
  return (error: NodeJS.ErrnoException, socket: Duplex) => {
    // The parser may report more errors on a socket already answered: leave it to linger.
    if (answered.has(socket)) return;
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const known = PARSER_ERRORS[error.code ?? ''];
    const code: ErrorCode = known?.code ?? 'malformed_request';
    const statusCode = code === 'headers_too_large' ? 431 : code === 'request_timeout' ? 408 : 400;
    const body: ErrorBody = {
      statusCode,
      code,
      message: known?.message ?? 'The request is not valid HTTP',
    };
    const json = JSON.stringify(body);
    answered.add(socket);
    socket.end(
      `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode]}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(json)}\r\nConnection: close\r\n\r\n${json}`,
    );
    // Read and discard what the client is still sending: closing a socket with unread input makes
    // the kernel answer with a reset, and the client would lose the response it was about to read.
    socket.resume();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  };
}

/**
 * Fastify's `frameworkErrors` option: errors found while routing (a URL that is not valid
 * percent-encoding, a path parameter over the length limit), answered in the JSON error shape.
 */
export function answerFrameworkError(
  error: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  const statusCode = error.statusCode === 414 ? 414 : 400;
  const body: ErrorBody =
    statusCode === 414
      ? { statusCode, code: 'uri_too_long', message: 'A part of the path is too long' }
      : { statusCode, code: 'malformed_request', message: 'The request URL is not valid' };
  void reply.code(statusCode).send(body);
}
