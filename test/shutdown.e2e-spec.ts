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

/** One request's fate: its status or connection error, and whether it reused a kept-alive socket. */
interface Outcome {
  result: number | string;
  reused: boolean;
  /** The response's `Connection` header. */
  connection?: string;
}

/** POST /authorize over a keep-alive agent; resolves to the status or the connection error code. */
function authorizeOver(agent: Agent, port: number, session: string): Promise<number | string> {
  return authorizeWithSocket(agent, port, session).then((o) => o.result);
}

function authorizeWithSocket(agent: Agent, port: number, session: string): Promise<Outcome> {
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
        response.on('end', () =>
          resolve({
            result: response.statusCode!,
            reused: req.reusedSocket,
            connection: response.headers.connection,
          }),
        );
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ result: error.code ?? error.message, reused: req.reusedSocket }),
    );
    req.end();
  });
}

describe('Graceful shutdown', () => {
  /**
   * 16 keep-alive clients call POST /authorize in a loop; after 120 answers the process gets
   * SIGTERM. Returns every outcome (a status, or a connection error code).
   */
  async function burstThroughSigterm(delay: number) {
    const { t, port } = await listening();
    const signals = new EventEmitter();
    let exitCode: number | undefined;
    const exited = new Promise<void>((resolve) => {
      exitGracefullyOnSignals(
        t.app,
        { delay, timeout: 5 },
        {
          on: (signal, listener) => signals.on(signal, listener),
          exit: (code) => {
            exitCode = code;
            resolve();
          },
        },
      );
    });
    const session = await login(t.app, (await createUser(t.app)).email);
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    const all: Outcome[] = [];
    const whileDraining: Outcome[] = [];
    let readyWhileDraining: number | null = null;
    let draining: Promise<void> | undefined;
    const worker = async () => {
      for (let i = 0; i < 25 + delay * 40; i++) {
        // Counted as "while draining" only if sent after the signal: answers already on their
        // way back when it came were rightly written without `Connection: close`.
        const sentWhileDraining = draining !== undefined;
        const outcome = await authorizeWithSocket(agent, port, session);
        all.push(outcome);
        if (sentWhileDraining) whileDraining.push(outcome);
        if (all.length === 120 && !draining) {
          signals.emit('SIGTERM', 'SIGTERM');
          draining = exited;
          const ready = await request(`http://127.0.0.1:${port}`)
            .get('/health/ready')
            .catch(() => null);
          readyWhileDraining = ready?.status ?? null;
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    await draining;
    agent.destroy();
    const refusedAfter = await authorizeOver(new Agent(), port, session);
    const served = whileDraining.filter((o) => o.result === 200);
    return {
      exitCode,
      outcomes: all.map((o) => o.result),
      afterDrainStarted: served.length,
      // Requests sent on a kept-alive socket that the server then reset: what clients cannot
      // retry safely, and what a drain must never cause.
      keepAliveResets: all.filter((o) => o.reused && typeof o.result === 'string'),
      servedWithoutClose: served.filter((o) => o.connection !== 'close'),
      readyWhileDraining,
      refusedAfter,
    };
  }

  it('should, on SIGTERM during a burst, finish in-flight requests, answer no 5xx, reset no kept-alive request, refuse new connections and exit 0', async () => {
    const run = await burstThroughSigterm(0);
    expect(run.exitCode).toBe(0);
    expect(run.outcomes.filter((o) => typeof o === 'number' && o >= 500)).toEqual([]);
    expect(run.outcomes.filter((o) => o === 200).length).toBeGreaterThanOrEqual(120);
    // Requests that were in flight when the drain began still got their answer, asking the
    // client to reconnect.
    expect(run.afterDrainStarted).toBeGreaterThan(0);
    expect(run.servedWithoutClose).toEqual([]);
    expect(run.keepAliveResets).toEqual([]);
    // Anything else that did not get an answer was refused at the connection, never half-served.
    const failures = run.outcomes.filter((o) => typeof o === 'string');
    expect(failures.every((code) => ['ECONNREFUSED', 'ECONNRESET'].includes(code))).toBe(true);
    expect(run.refusedAfter).toBe('ECONNREFUSED');
  });

  it('should, with SSO_SHUTDOWN_DELAY, keep serving while readiness is red, then close with no kept-alive request reset', async () => {
    const run = await burstThroughSigterm(1);
    expect(run.exitCode).toBe(0);
    expect(run.readyWhileDraining).toBe(503);
    expect(run.outcomes.filter((o) => typeof o === 'number' && o >= 500)).toEqual([]);
    // Served throughout the delay, every answer asking its client to reconnect elsewhere.
    expect(run.afterDrainStarted).toBeGreaterThan(16);
    expect(run.servedWithoutClose).toEqual([]);
    expect(run.keepAliveResets).toEqual([]);
    expect(run.refusedAfter).toBe('ECONNREFUSED');
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
    await drainAndClose(t.app, { delay: 0, timeout: 1 });
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(5000);
    socket.destroy();
  });
});
