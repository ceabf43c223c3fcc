import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPrerequisites } from './support/prerequisites';

/** A local port nothing listens on: bound by the system, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe(checkPrerequisites.name, () => {
  it('should pass on the services this run uses', async () => {
    await expect(checkPrerequisites()).resolves.toBeUndefined();
  });

  it('should name every missing piece at once, with how to get it and no password', async () => {
    const port = await closedPort();
    const python = join(tmpdir(), 'no-such-dir', 'python3');
    const chromium = join(tmpdir(), 'no-such-dir', 'chromium');
    const error = await checkPrerequisites({
      databaseUrl: `postgres://postgres:hunter2secret@127.0.0.1:${port}/nest_sso_test`,
      redisUrl: `redis://127.0.0.1:${port}/2`,
      python,
      chromium,
    }).catch((e: unknown) => e as Error);

    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain(
      `PostgreSQL is not reachable at postgres://postgres:***@127.0.0.1:${port}`,
    );
    expect(message).toContain('ECONNREFUSED');
    expect(message).toContain('TEST_DATABASE_URL');
    expect(message).toContain(`Redis is not reachable at redis://127.0.0.1:${port}/2`);
    expect(message).toContain('apt-get install redis-server');
    expect(message).toContain(`${python} does not exist`);
    expect(message).toContain('apt-get install python3-jwt python3-cryptography');
    expect(message).toContain(`${chromium} does not exist`);
    expect(message).toContain('apt-get install chromium');
    expect(message).toContain('README.md, "Test prerequisites"');
    expect(message).not.toContain('hunter2secret');
  });
});
