import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { build } from 'rolldown';
import { waitFor } from './wait-for';

const ROOT = resolve(__dirname, '..', '..');
/** Inside node_modules, so that the bundle finds the project's dependencies. */
const BUNDLE = join(ROOT, 'node_modules', '.cache', 'nest-sso-test', 'identity-server.cjs');

let built: Promise<string> | undefined;

/**
 * The identity server's `main.ts` in one file, built from the sources of this checkout (once per
 * test file, in well under a second) with the same transform Vitest applies: legacy decorators
 * with their metadata, the `@nest-sso/*` aliases. Dependencies stay in node_modules.
 */
export function buildServer(): Promise<string> {
  return (built ??= (async () => {
    const { paths } = (
      JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')) as {
        compilerOptions: { paths: Record<string, string[]> };
      }
    ).compilerOptions;
    await build({
      input: join(ROOT, 'apps/identity-server/src/main.ts'),
      platform: 'node',
      cwd: ROOT,
      resolve: {
        alias: Object.fromEntries(
          Object.entries(paths).map(([name, [dir]]) => [name, join(ROOT, dir, 'index.ts')]),
        ),
      },
      // Bare imports are packages, except the decorator helpers the transform adds.
      external: (id) =>
        !id.startsWith('.') &&
        !id.startsWith('/') &&
        !id.startsWith('@nest-sso/') &&
        !id.startsWith('@oxc-project/runtime'),
      transform: { decorator: { legacy: true, emitDecoratorMetadata: true } },
      // Interfaces imported by name exist only for the type checker.
      shimMissingExports: true,
      logLevel: 'silent',
      output: { file: BUNDLE, format: 'cjs' },
    });
    return BUNDLE;
  })());
}

/** A free TCP port on loopback. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

/** One identity server running as a process of its own. */
export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** What the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  exited: Promise<number | string>;
  /** Sends SIGTERM, and SIGKILL if it is still running after `graceMs`. */
  stop(graceMs?: number): Promise<number | string>;
}

/**
 * Starts the identity server as a separate process with `env` (nothing of this process's
 * environment but PATH and HOME), and waits until `/health/live` answers.
 */
export async function startServerProcess(
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<ServerProcess> {
  const bundle = await buildServer();
  const port = await freePort();
  const child = spawn(process.execPath, [bundle], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      SSO_LOG_FORMAT: 'json',
      // One process unless a test asks for workers: the tests read this process's logs and state.
      SSO_WORKERS: '1',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((done) =>
    child.once('exit', (code, signal) => done(code ?? signal ?? 'unknown')),
  );
  const url = `http://127.0.0.1:${port}`;
  let ended: number | string | undefined;
  void exited.then((code) => (ended = code));
  await waitFor(
    async () => {
      if (ended !== undefined) throw new Error(`The server exited (${ended}):\n${output}`);
      return (await fetch(`${url}/health/live`).catch(() => null))?.ok;
    },
    'the server process to answer',
    timeoutMs,
  );
  return {
    url,
    child,
    output: () => output,
    exited,
    stop: async (graceMs = 10_000) => {
      if (ended !== undefined) return ended;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
