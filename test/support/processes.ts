import { ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { waitFor } from './wait-for';

/** The repository root. */
export const ROOT = join(__dirname, '..', '..');

const BUILT = Symbol.for('nest-sso.built');

/**
 * Builds the project once per test run (incremental: seconds when dist/ is current), for the
 * suites that run the real programs as separate processes, as operators do.
 */
export function ensureBuilt(): void {
  const holder = globalThis as { [BUILT]?: boolean };
  if (holder[BUILT]) return;
  execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });
  holder[BUILT] = true;
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The environment a child process gets: the settings given, and nothing of the test's own. */
export function childEnv(settings: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, ...settings };
}

/** A server started as its own process (`node dist/…/main.js`), with everything it logged. */
export interface ServerProcess {
  readonly process: ChildProcess;
  readonly url: string;
  output(): string;
  /** SIGTERM, then resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts the built identity server in `cwd` and waits until `/health/ready` answers 200. On
 * `settings.PORT` if given (when other settings must name the URL beforehand), else a free port.
 */
export async function startServerProcess(
  cwd: string,
  settings: Record<string, string>,
  timeoutMs = 90_000,
): Promise<ServerProcess> {
  const port = settings.PORT ? Number(settings.PORT) : await freePort();
  const child = spawn(
    process.execPath,
    [join(ROOT, 'dist', 'apps', 'identity-server', 'src', 'main.js')],
    {
      cwd,
      // One process unless a test asks for workers: the tests read this process's logs and state.
      env: childEnv({ SSO_LOG_FORMAT: 'json', SSO_WORKERS: '1', ...settings, PORT: String(port) }),
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`The server exited early:\n${output}`);
      return fetch(`${url}/health/ready`).then(
        (response) => response.ok,
        () => false,
      );
    },
    `the server on port ${port}`,
    timeoutMs,
  );
  return {
    process: child,
    url,
    output: () => output,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Runs a program to its end; its exit code and output. */
export function run(
  file: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; input?: string },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      { cwd: options.cwd, env: options.env },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === 'number' ? error.code : null) : 0,
          stdout,
          stderr,
        }),
    );
    child.stdin?.end(options.input ?? '');
  });
}

/** A program of this repository started as its own process, with what it logged. */
export interface AppProcess {
  readonly process: ChildProcess;
  readonly url: string;
  readonly port: number;
  output(): string;
  /** SIGTERM, then resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts a built app of this repository (`dist/apps/<app>/src/main.js`, see `ensureBuilt`) on
 * `port` (a free one unless given) and waits until `GET <healthPath>` answers 200.
 */
export async function startAppProcess(
  app: 'example-service' | 'example-web',
  settings: Record<string, string>,
  {
    port,
    healthPath = '/health/live',
    timeoutMs = 30_000,
  }: { port?: number; healthPath?: string; timeoutMs?: number } = {},
): Promise<AppProcess> {
  const listen = port ?? (await freePort());
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'apps', app, 'src', 'main.js')], {
    cwd: ROOT,
    env: childEnv({ HOST: '127.0.0.1', ...settings, PORT: String(listen) }),
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const url = `http://127.0.0.1:${listen}`;
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`${app} exited early:\n${output}`);
      return fetch(`${url}${healthPath}`).then(
        (response) => response.ok,
        () => false,
      );
    },
    `${app} on port ${listen}`,
    timeoutMs,
  );
  return {
    process: child,
    url,
    port: listen,
    output: () => output,
    stop: () => {
      if (child.exitCode !== null) return Promise.resolve(child.exitCode);
      child.kill('SIGTERM');
      return exited;
    },
  };
}
