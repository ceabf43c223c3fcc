import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeKeyStoreDir, writeTestKey } from './support/key-store';
import { ServerProcess, startServerProcess } from './support/server-process';
import { TEST_DATABASE_URL } from './support/test-database';
import { waitFor } from './support/wait-for';

const IDENTITY = 'https://sso.test';

/** The pids of a process's children (Linux). */
function childrenOf(pid: number): number[] {
  return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
    .split(' ')
    .filter(Boolean)
    .map(Number);
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** GET on a connection of its own (no keep-alive), so that the primary hands each to a worker. */
function getFresh(
  url: string,
): Promise<{ status: number; connection: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          connection: response.headers.connection,
          body,
        }),
      );
    }).on('error', reject);
  });
}

const counter = (metrics: string, name: string) =>
  Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(metrics)?.[1] ?? NaN);
const jwksRequests = (metrics: string) =>
  Number(
    /^nest_sso_http_requests_total\{method="GET",route="\/\.well-known\/jwks\.json",status="200"\} (\d+)$/m.exec(
      metrics,
    )?.[1] ?? 0,
  );

/**
 * `SSO_WORKERS=2` on PostgreSQL: a primary and two HTTP workers sharing the port. Requests are
 * served, `/metrics` speaks for both workers, SIGHUP reaches both, and SIGTERM drains both.
 */
describe('HTTP workers (SSO_WORKERS)', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    const keyDir = makeKeyStoreDir();
    const key = writeTestKey(keyDir, 'sso-test-20260101');
    server = await startServerProcess({
      DATABASE_URL: TEST_DATABASE_URL,
      DATABASE_POOL_SIZE: '4',
      SSO_MIGRATE_ON_START: 'false',
      SSO_IDENTITY: IDENTITY,
      SSO_KEY_STORE_ROOT: keyDir,
      SSO_PRIVATE_KEYS: JSON.stringify({ [IDENTITY]: [key.file] }),
      SSO_KEY_RESCAN_INTERVAL: '0',
      SSO_SHUTDOWN_DELAY: '1',
      SSO_WORKERS: '2',
      SSO_LOG_LEVEL: 'info',
    });
    // /health/live answers once the first worker listens; wait for the second one too.
    await waitFor(
      () => (server.output().match(/listening on .*\(worker \d+/g) ?? []).length === 2,
      'both workers to listen',
      30_000,
    );
  }, 60_000);
  afterAll(() => server.stop());

  it('should serve from two worker processes and count their requests together in /metrics', async () => {
    const workers = childrenOf(server.child.pid!);
    expect(workers).toHaveLength(2);
    const before = jwksRequests((await getFresh(`${server.url}/metrics`)).body);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => getFresh(`${server.url}/.well-known/jwks.json`)),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    // Round-robin gives each worker about half: only the sum of both shows all 20.
    for (let scrape = 0; scrape < 4; scrape++) {
      const metrics = await getFresh(`${server.url}/metrics`);
      expect(metrics.status).toBe(200);
      expect(jwksRequests(metrics.body) - before).toBe(20);
    }
  });

  it('should forward SIGHUP to every worker (each reloads its keys)', async () => {
    const reloads = async () =>
      counter((await getFresh(`${server.url}/metrics`)).body, 'nest_sso_key_reloads_total');
    const before = await reloads();
    server.child.kill('SIGHUP');
    await waitFor(async () => (await reloads()) === before + 2, 'a reload in each worker', 10_000);
  });

  it('should drain every worker on SIGTERM and exit 0', async () => {
    const workers = childrenOf(server.child.pid!);
    server.child.kill('SIGTERM');
    // During SSO_SHUTDOWN_DELAY both workers still serve, asking clients to reconnect elsewhere.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const during = await Promise.all(
      Array.from({ length: 6 }, () => getFresh(`${server.url}/health/live`)),
    );
    expect(during.map((a) => [a.status, a.connection])).toEqual(Array(6).fill([200, 'close']));
    await expect(server.exited).resolves.toBe(0);
    expect(workers.filter(alive)).toEqual([]);
    expect(server.output().match(/"msg":"Stopped"/g)).toHaveLength(3);
  });
});

describe('SSO_WORKERS on the embedded database', () => {
  it('should serve from one process and say why', async () => {
    const root = mkdtempSync(join(tmpdir(), 'nest-sso-workers-'));
    // PGlite's first start (creating and migrating the database) is slow on a busy machine.
    const server = await startServerProcess(
      {
        SSO_DATA_DIR: join(root, 'data'),
        SSO_KEY_STORE_ROOT: join(root, 'keys'),
        SSO_WORKERS: '2',
      },
      90_000,
    );
    try {
      expect(server.output()).toContain(
        'SSO_WORKERS=2 ignored: the embedded database is single-process',
      );
      expect(childrenOf(server.child.pid!)).toEqual([]);
      expect((await getFresh(`${server.url}/health/live`)).status).toBe(200);
    } finally {
      await server.stop();
    }
  }, 120_000);
});
