import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { existsSync } from 'node:fs';
import { CHROMIUM } from './browser';
import { TEST_DATABASE_URL } from './test-database';

/** Redis the rate-limit suite shares its counters through. */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * The interpreter that runs DRF-SSO's token check on PyJWT, unless `DRF_SSO_PYTHON` names another:
 * Debian's own, which python3-jwt and python3-cryptography install into. Not `python3` from the
 * PATH, which may be a pyenv or virtualenv interpreter without them.
 */
export const PYTHON = process.env.DRF_SSO_PYTHON ?? '/usr/bin/python3';

const SEE = 'See README.md, "Test prerequisites".';
const TIMEOUT_MS = 3000;

/**
 * Checks, up front and all at once, the services and programs the end-to-end suites need, so that a
 * missing one fails the run in seconds with its name and the way to get it, instead of as timeouts
 * scattered over the suites. Throws one error listing every missing piece.
 */
export async function checkPrerequisites({
  databaseUrl = TEST_DATABASE_URL,
  redisUrl = TEST_REDIS_URL,
  python = PYTHON,
  chromium = CHROMIUM,
} = {}): Promise<void> {
  const checks = [
    checkPostgres(databaseUrl),
    checkRedis(redisUrl),
    checkPython(python),
    checkDjango(python),
    Promise.resolve(checkChromium(chromium)),
  ];
  const problems = (await Promise.all(checks)).filter(
    (problem): problem is string => problem !== null,
  );
  if (problems.length > 0) {
    throw new Error(
      `The end-to-end tests cannot run:\n${problems.map((p) => `  - ${p}`).join('\n')}\n${SEE}`,
    );
  }
}

async function checkPostgres(url: string): Promise<string | null> {
  // The server's `postgres` database: the test database itself is (re-)created afterwards.
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({
    connectionString: admin.toString(),
    connectionTimeoutMillis: TIMEOUT_MS,
  });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    return (
      `PostgreSQL is not reachable at ${redact(admin)} (${reason(error)}). ` +
      'Start it (Debian: apt-get install postgresql, then ' +
      'pg_ctlcluster <version> main start; user postgres, trust authentication on 127.0.0.1), ' +
      'or point TEST_DATABASE_URL at one.'
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function checkRedis(url: string): Promise<string | null> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  // ioredis reports why the connection failed (ECONNREFUSED, …) as an event; connect() then
  // rejects with only "Connection is closed".
  let cause: unknown = null;
  redis.on('error', (error) => (cause ??= error));
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (error) {
    return (
      `Redis is not reachable at ${redact(new URL(url))} (${reason(cause ?? error)}). ` +
      'Start it (Debian: apt-get install redis-server; redis-server --daemonize yes ' +
      '--bind 127.0.0.1), or point TEST_REDIS_URL at one.'
    );
  } finally {
    redis.disconnect();
  }
}

async function checkPython(python: string): Promise<string | null> {
  try {
    await promisify(execFile)(python, ['-c', 'import jwt, cryptography'], {
      timeout: TIMEOUT_MS * 3,
    });
    return null;
  } catch (error) {
    const { code, stderr } = error as { code?: unknown; stderr?: string };
    const found =
      code === 'ENOENT'
        ? `${python} does not exist`
        : `${python} cannot import PyJWT and cryptography (${lastLine(stderr) ?? reason(error)})`;
    return (
      `${found}; the djangorestframework-sso compatibility suite verifies tokens with both. ` +
      'Debian: apt-get install python3-jwt python3-cryptography ' +
      '(or set DRF_SSO_PYTHON to an interpreter that has both).'
    );
  }
}

/** The Django deployment of the import suite (test/drf-sso/project) needs these modules. */
async function checkDjango(python: string): Promise<string | null> {
  try {
    await promisify(execFile)(
      python,
      ['-c', 'import django, rest_framework, psycopg2, argon2, bcrypt'],
      { timeout: TIMEOUT_MS * 3 },
    );
    return null;
  } catch (error) {
    const { code, stderr } = error as { code?: unknown; stderr?: string };
    // A missing interpreter is reported once, by checkPython.
    if (code === 'ENOENT') return null;
    return (
      `${python} cannot run the Django deployment of the import suite ` +
      `(${lastLine(stderr) ?? reason(error)}). Debian: apt-get install python3-django ` +
      'python3-djangorestframework python3-psycopg2 python3-argon2 python3-bcrypt.'
    );
  }
}

function checkChromium(chromium: string): string | null {
  return existsSync(chromium)
    ? null
    : `${chromium} does not exist; the browser single sign-on suite drives the real Chromium. ` +
        'Debian: apt-get install chromium (or set CHROMIUM_PATH to a Chromium or Chrome binary).';
}

/** The URL without its password, for messages. */
function redact(url: URL): string {
  const copy = new URL(url.toString());
  if (copy.password) copy.password = '***';
  return copy.toString();
}

function reason(error: unknown): string {
  const { code, message } = error as { code?: unknown; message?: string };
  const text = message?.trim() || String(error);
  return typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
}

function lastLine(text: string | undefined): string | undefined {
  return text?.trim().split('\n').pop();
}
