import { EventEmitter } from 'node:events';
import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { drainAndClose, exitGracefullyOnSignals } from '@nest-sso/health';
import { createUser } from './support/factories';
import { login } from './support/http';
import { startTestApp, TestApp } from './support/test-app';

async function listening(): Promise<{ t: TestApp; port: number }> {
  const t = await startTestApp();
  await t.app.listen(0, '127.0.0.1');
  return { t, port: (t.app.getHttpServer().address() as AddressInfo).port };
}

/** POST /authorize over a keep-alive agent; resolves to the status or the connection error code. */
function authorizeOver(agent: Agent, port: number, session: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = httpRequest(
      {
        agent,
        port,
        host: '127.0.0.1',
        method: 'POST',
        path: '/authorize',
        headers: { authorization: `JWT ${session}` },
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode!));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    req.end();
  });
}

describe('Graceful shutdown', () => {
  it('should, on SIGTERM during a burst, finish in-flight requests, answer no 5xx, refuse new connections and exit 0', async () => {
    const { t, port } = await listening();
    const signals = new EventEmitter();
    let exitCode: number | undefined;
    const exited = new Promise<void>((resolve) => {
      exitGracefullyOnSignals(t.app, 5, {
        on: (signal, listener) => signals.on(signal, listener),
        exit: (code) => {
          exitCode = code;
          resolve();
        },
      });
    });
    const session = await login(t.app, (await createUser(t.app)).email);
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    const outcomes: (number | string)[] = [];
    let afterDrainStarted = 0;
    let draining: Promise<void> | undefined;
    const worker = async () => {
      for (let i = 0; i < 25; i++) {
        const outcome = await authorizeOver(agent, port, session);
        outcomes.push(outcome);
        if (draining && outcome === 200) afterDrainStarted++;
        if (outcomes.length === 120 && !draining) {
          signals.emit('SIGTERM', 'SIGTERM');
          draining = exited;
          const ready = await request(`http://127.0.0.1:${port}`)
            .get('/health/ready')
            .catch(() => null);
          if (ready) expect(ready.status).toBe(503);
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    await draining;
    agent.destroy();
    expect(exitCode).toBe(0);

    expect(outcomes.filter((o) => typeof o === 'number' && o >= 500)).toEqual([]);
    expect(outcomes.filter((o) => o === 200).length).toBeGreaterThanOrEqual(120);
    // Requests that were in flight when the drain began still got their answer.
    expect(afterDrainStarted).toBeGreaterThan(0);
    // Anything that did not get an answer was refused at the connection, not half-served.
    const failures = outcomes.filter((o) => typeof o === 'string');
    expect(failures.every((code) => ['ECONNREFUSED', 'ECONNRESET'].includes(code))).toBe(true);
    await expect(authorizeOver(new Agent(), port, session)).resolves.toBe('ECONNREFUSED');
  });

  it('should cut connections that are still open after the drain timeout', async () => {
    const { t, port } = await listening();
    // A client that starts a request and never finishes its body.
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
    socket.write(
      'POST /session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
    );
    socket.on('error', () => undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));

    const started = Date.now();
    await drainAndClose(t.app, 1);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(5000);
    socket.destroy();
  });
});
