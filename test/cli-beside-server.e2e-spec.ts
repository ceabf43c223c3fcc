import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  childEnv,
  ensureBuilt,
  ROOT,
  run,
  ServerProcess,
  startServerProcess,
} from './support/processes';

/**
 * The walkthrough's promise, with the real programs as separate processes: while the server runs
 * on the embedded database, `bin/nest-sso` creates users, accounts and memberships that the server
 * serves at once (through the socket the server shares its database on), and a second server
 * process shares the same database the same way.
 */
// Every step starts a real process (a Nest application each): on a busy machine, seconds each.
describe('CLI beside a running server on the embedded database', { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'nest-sso-beside-'));
  const settings = {
    NODE_ENV: 'development',
    SSO_DATA_DIR: join(dir, 'data'),
    SSO_KEY_STORE_ROOT: join(dir, 'keys'),
  };
  const cli = (args: string[], input?: string) =>
    run(join(ROOT, 'bin', 'nest-sso'), args, { cwd: dir, env: childEnv(settings), input });
  let server: ServerProcess;
  let second: ServerProcess | undefined;

  beforeAll(async () => {
    ensureBuilt();
    server = await startServerProcess(dir, settings);
  }, 180_000);
  afterAll(async () => {
    await second?.stop();
    expect(await server?.stop()).toBe(0);
  });

  const login = async (base: string, username: string, password: string) => {
    const response = await fetch(`${base}/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { token: string }).token;
  };
  const scopesFor = async (base: string, session: string, account: string) => {
    const response = await fetch(`${base}/authorize`, {
      method: 'POST',
      headers: { authorization: `JWT ${session}`, 'content-type': 'application/json' },
      body: JSON.stringify({ account }),
    });
    expect(response.status).toBe(200);
    const { token } = (await response.json()) as { token: string };
    return (
      JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as {
        scopes: string[];
      }
    ).scopes;
  };

  it('should create a user, an account and a membership while the server runs, which it serves at once', async () => {
    const created = await cli(
      ['users:create', '--email', 'alice@example.com', '--username', 'alice', '--password-stdin'],
      'correct horse battery staple\n',
    );
    expect(created).toMatchObject({ code: 0, stderr: '' });
    expect(created.stdout).toMatch(/^Created user [0-9a-f-]{36} <alice@example\.com>\n$/);
    // Nothing on standard input is no password: refused as such, and nothing written.
    expect(
      await cli(['users:create', '--email', 'bob@example.com', '--password-stdin'], ''),
    ).toEqual({
      code: 2,
      stdout: '',
      stderr: 'Error: --password-stdin read no password from standard input\n',
    });
    // A short one is refused by the admin API's rule.
    expect(
      await cli(['users:create', '--email', 'bob@example.com', '--password-stdin'], 'short\n'),
    ).toEqual({
      code: 2,
      stdout: '',
      stderr: 'Error: password must be 8 to 1024 characters\n',
    });
    expect((await cli(['accounts:create', '--name', 'acme'])).code).toBe(0);
    expect(
      (
        await cli([
          'memberships:add',
          '--account',
          'acme',
          '--email',
          'alice',
          '--permissions',
          'orders:read',
        ])
      ).stdout,
    ).toBe('alice@example.com is a member of "acme" with [orders:read]\n');

    const session = await login(server.url, 'alice', 'correct horse battery staple');
    expect(await scopesFor(server.url, session, 'acme')).toEqual(['orders:read']);
    const { stdout } = await cli(['sessions:list', '--email', 'alice']);
    expect(stdout).toContain(
      JSON.parse(Buffer.from(session.split('.')[1], 'base64url').toString()).sid,
    );
    expect(server.output()).toContain('Sharing the embedded database with the CLI at');
  });

  it('should let a second server process share the database through the socket', async () => {
    second = await startServerProcess(dir, settings);
    expect(second.output()).toContain(
      "Using the embedded database through the running server's socket",
    );
    const session = await login(second.url, 'alice@example.com', 'correct horse battery staple');
    expect(await scopesFor(server.url, session, 'acme')).toEqual(['orders:read']);
  });

  it('should say what to do when the CLI is not built', async () => {
    const bare = mkdtempSync(join(tmpdir(), 'nest-sso-unbuilt-'));
    mkdirSync(join(bare, 'bin'));
    copyFileSync(join(ROOT, 'bin', 'nest-sso'), join(bare, 'bin', 'nest-sso'));
    const result = await run(join(bare, 'bin', 'nest-sso'), ['users:list'], {
      cwd: bare,
      env: childEnv({}),
    });
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toBe(
      `nest-sso: the CLI is not built: ${join(bare, 'dist', 'apps', 'identity-server', 'src', 'cli.js')} is missing.\n` +
        `Run "npm run build" in ${bare}, then try again.\n`,
    );
  });
});
