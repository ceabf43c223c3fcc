import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { hash as argon2Hash } from '@node-rs/argon2';
import { Client } from 'pg';

/** The machine, as the results name it. */
export function machine(): string {
  const cores = cpus();
  return `${cores.length} × ${cores[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

/** Extra node flags for the servers under test, e.g. `BENCH_NODE_ARGS="--cpu-prof"`. */
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);

/** Starts a built app (`dist/…`, as the Dockerfile runs it) with `env` on top of ours. */
export function startBuilt(script: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [...NODE_ARGS, script], {
    env: { ...process.env, NODE_ENV: 'production', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** Runs the built admin CLI once; throws with its output if it fails. */
export function runCli(args: string[], env: Record<string, string>): string {
  const result = spawnSync(process.execPath, ['dist/apps/identity-server/src/cli.js', ...args], {
    env: { ...process.env, NODE_ENV: 'production', ...env },
    encoding: 'utf8',
  });
  if (result.status !== 0)
    throw new Error(`cli ${args[0]} failed: ${result.stderr}${result.stdout}`);
  return result.stdout.trim();
}

export async function waitUntilUp(url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not come up within ${timeoutMs} ms`);
}

/**
 * A fresh benchmark database, `nest_sso_bench` on the server of `BENCH_DATABASE_URL` (default:
 * the local PostgreSQL). Never `DATABASE_URL`: it is dropped and re-created on every run.
 */
export async function freshBenchDatabase(): Promise<string> {
  const url = new URL(
    process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/nest_sso_bench',
  );
  const name = url.pathname.slice(1);
  if (!/^[a-z0-9_]*bench[a-z0-9_]*$/.test(name)) {
    throw new Error(`Refusing to recreate "${name}": benchmark databases must be named *bench*`);
  }
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  return url.toString();
}

/**
 * Settings for an identity server under benchmark: a fresh database, the identity `bench-sso`,
 * and a new RSA key in a temporary key store (never a committed key).
 */
export async function benchServerEnv(): Promise<Record<string, string>> {
  const keyDir = mkdtempSync(join(tmpdir(), 'nest-sso-bench-keys-'));
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(
    join(keyDir, 'bench-sso-1.pem'),
    privateKey.export({ type: 'pkcs8', format: 'pem' }),
  );
  return {
    DATABASE_URL: await freshBenchDatabase(),
    SSO_IDENTITY: 'bench-sso',
    SSO_PUBLIC_URL: 'https://sso.bench.example',
    SSO_KEY_STORE_ROOT: keyDir,
  };
}

/** Writes `bench/results/<name>-<time>.json` and returns its path. */
export function writeResult(name: string, result: object): string {
  const dir = join('bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({ machine: machine(), ...result }, null, 2)}\n`);
  return file;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * `count` users sharing `password` (one argon2id hash with the server's default parameters),
 * inserted with SQL: the CLI would take a second per user.
 */
export async function addLoginUsers(
  url: string,
  count: number,
  password: string,
): Promise<string[]> {
  const passwordHash = await argon2Hash(password.normalize('NFC'), {
    memoryCost: 19456,
    timeCost: 2,
    parallelism: 1,
  });
  const emails = Array.from({ length: count }, (_, i) => `bench-login-${i}@example.com`);
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`INSERT INTO users (email, password_hash) SELECT unnest($1::text[]), $2`, [
      emails,
      passwordHash,
    ]);
  } finally {
    await client.end();
  }
  return emails;
}
