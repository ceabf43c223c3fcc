import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCliContext, runCli } from '@nest-sso/cli';
import { makeKeyStoreDir, writeTestKey } from './support/key-store';
import { ServerProcess, startServerProcess } from './support/server-process';
import { TEST_DATABASE_URL } from './support/test-database';

const IDENTITY = 'https://sso.test';
const PASSWORD = 'the right password';

/**
 * Password guessing in parallel against two server processes that share PostgreSQL: the lockout
 * must count every attempt before checking any, whichever process gets it (the defaults: 5 free
 * attempts). The per-IP limits are off here, so only the lockout stands in the way.
 */
describe('Brute force across two server processes', () => {
  let servers: ServerProcess[];
  beforeAll(async () => {
    const keyDir = makeKeyStoreDir();
    const key = writeTestKey(keyDir, 'sso-test-20260101');
    const env = {
      DATABASE_URL: TEST_DATABASE_URL,
      DATABASE_POOL_SIZE: '8',
      SSO_MIGRATE_ON_START: 'false',
      SSO_IDENTITY: IDENTITY,
      SSO_KEY_STORE_ROOT: keyDir,
      SSO_PRIVATE_KEYS: JSON.stringify({ [IDENTITY]: [key.file] }),
      SSO_RATE_LIMIT_LOGIN: '0',
      SSO_RATE_LIMIT_PASSWORD: '0',
      SSO_LOG_LEVEL: 'warn',
    };
    servers = await Promise.all([startServerProcess(env), startServerProcess(env)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  const newUser = async () => {
    const email = `guess-${randomUUID().slice(0, 8)}@example.com`;
    const code = await runCli(
      ['users:create', '--email', email, '--password', PASSWORD],
      createCliContext({
        NODE_ENV: 'test',
        DATABASE_URL: TEST_DATABASE_URL,
        SSO_MIGRATE_ON_START: 'false',
      }),
      { out: () => undefined, err: () => undefined },
    );
    expect(code).toBe(0);
    return email;
  };
  const post = (i: number, path: string, body: object, token?: string) =>
    fetch(`${servers[i % 2].url}${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(token ? { authorization: `JWT ${token}` } : {}),
      },
      body: JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));

  const statusesOf = async (attempts: { password: string }[], email: string) =>
    (
      await Promise.all(
        attempts.map(({ password }, i) => post(i, '/session', { username: email, password })),
      )
    ).map((a) => a.status);

  it('should check at most 6 of 30 parallel wrong passwords and refuse the rest', async () => {
    const email = await newUser();
    const statuses = await statusesOf(
      Array.from({ length: 30 }, (_, i) => ({ password: `wrong ${i}` })),
      email,
    );
    expect(statuses.filter((s) => s === 401).length, JSON.stringify(statuses)).toBeLessThanOrEqual(
      6,
    );
    expect(statuses.filter((s) => s !== 401 && s !== 429)).toEqual([]);
  });

  it('should no longer check all of 30 parallel logins with 1 right password among them', async () => {
    const email = await newUser();
    const statuses = await statusesOf(
      Array.from({ length: 30 }, (_, i) => ({ password: i === 17 ? PASSWORD : `wrong ${i}` })),
      email,
    );
    const checked = statuses.filter((s) => s === 200 || s === 401).length;
    // 6 before the right one; a success forgets the count (that is what lets a user who mistyped
    // log in again), so if the right one was among them, 6 more may be checked after it.
    expect(checked, JSON.stringify(statuses)).toBeLessThanOrEqual(statuses.includes(200) ? 12 : 6);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(18);
  });

  it('should give a stolen session token at most 6 of 24 parallel guesses at /password', async () => {
    const email = await newUser();
    const { body } = await post(0, '/session', { username: email, password: PASSWORD });
    const token = body.token as string;
    const answers = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        post(
          i,
          '/password',
          { current_password: `guess ${i}`, new_password: 'a brand new one' },
          token,
        ),
      ),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 400).length, JSON.stringify(statuses)).toBeLessThanOrEqual(
      6,
    );
    expect(statuses.filter((s) => s !== 400 && s !== 429)).toEqual([]);
    // The guesses locked the email: the right password does not get through now either.
    expect((await post(1, '/session', { username: email, password: PASSWORD })).status).toBe(429);
  });
});
