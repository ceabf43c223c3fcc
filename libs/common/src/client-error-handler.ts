import { STATUS_CODES } from 'node:http';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
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
 * Requests the HTTP parser refuses (headers over 16 KB, a broken request line, a timeout) never
 * reach Nest; Node would answer them with an empty body. This answers them with the JSON error
 * shape instead, and closes the connection.
 */
export function answerClientErrorsAsJson(server: Server): void {
  const answered = new WeakSet<Duplex>();
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
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
  });
}
