import { connect, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TestApp } from './support/test-app';

/** Opens a raw connection; resolves once connected. */
function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Everything the server writes until it closes the connection, and when it closed it. */
function untilClosed(socket: Socket): Promise<{ text: string; at: number }> {
  return new Promise((resolve) => {
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ text, at: Date.now() }));
  });
}

describe('Connection limits', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await startTestApp({
      env: {
        SSO_HTTP_HEADERS_TIMEOUT: '1',
        SSO_HTTP_REQUEST_TIMEOUT: '2',
        SSO_HTTP_MAX_CONNECTIONS: '4',
      },
    });
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(() => t.close());

  it('should answer 408 and close when a body trickles in past the request timeout', async () => {
    const socket = await open(port);
    const closed = untilClosed(socket);
    const started = Date.now();
    socket.write(
      'POST /session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
    );
    // One byte every 200 ms: each keeps the socket busy, none completes the request.
    const trickle = setInterval(() => socket.writable && socket.write(' '), 200);
    const { text, at } = await closed;
    clearInterval(trickle);
    expect(at - started).toBeGreaterThanOrEqual(1500);
    expect(at - started).toBeLessThan(6000);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(JSON.parse(text.split('\r\n\r\n')[1])).toEqual({
      statusCode: 408,
      code: 'request_timeout',
      message: 'The request took too long',
    });
  });

  it('should close a connection whose headers never end, after the headers timeout', async () => {
    const socket = await open(port);
    const closed = untilClosed(socket);
    const started = Date.now();
    socket.write('GET /health/live HTTP/1.1\r\nHost: x\r\n');
    const trickle = setInterval(() => socket.writable && socket.write('X-A: b\r\n'), 200);
    const { text, at } = await closed;
    clearInterval(trickle);
    expect(at - started).toBeLessThan(5000);
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('should refuse connections over SSO_HTTP_MAX_CONNECTIONS, and accept again below it', async () => {
    const held = await Promise.all([0, 1, 2, 3].map(() => open(port)));
    // Each holds an unfinished request, so that none is idle.
    for (const socket of held) socket.write('GET /health/live HTTP/1.1\r\nHost: x\r\n');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const extra = await open(port);
    const { text } = await untilClosed(extra);
    expect(text).toBe('');
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const again = await open(port);
    const answered = untilClosed(again);
    again.write('GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect((await answered).text).toMatch(/^HTTP\/1\.1 200 /);
  });
});
