import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedDatabaseBusyError, lockEmbeddedDatabase } from './embedded-lock';

/**
 * A separate process that takes the lock with this very module and holds it until killed. It
 * drops the release function and collects garbage before it says so: the lock must outlive both.
 */
async function holder(dataDir: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      '--expose-gc',
      '-e',
      `require(${JSON.stringify(join(__dirname, 'embedded-lock.ts'))}).lockEmbeddedDatabase(${JSON.stringify(dataDir)});
       setTimeout(() => { globalThis.gc(); setTimeout(() => { globalThis.gc();
         process.stdout.write('locked\\n'); }, 50); }, 50);
       setInterval(() => {}, 1000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the holder exited (${code})`)));
  });
  return child;
}

describe(lockEmbeddedDatabase.name, () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });
  const dataDir = () => join(mkdtempSync(join(tmpdir(), 'lock-')), 'pglite');

  it('should take a free database, refuse it to a second taker in this process, and give it back on release', () => {
    const dir = dataDir();
    const release = lockEmbeddedDatabase(dir);
    expect(() => lockEmbeddedDatabase(dir)).toThrow(EmbeddedDatabaseBusyError);
    release();
    lockEmbeddedDatabase(dir)();
  });

  it('should refuse a database another process holds, naming it', async () => {
    const dir = dataDir();
    const child = await holder(dir);
    children.push(child);
    expect(() => lockEmbeddedDatabase(dir)).toThrow(`in use by process ${child.pid} on host`);
  });

  it('should not trust process ids: a holder in another PID namespace may have our own pid', async () => {
    const dir = dataDir();
    children.push(await holder(dir));
    // Two containers on one volume, both running as pid 1: the owner file names "us".
    writeFileSync(join(dir, '..', 'nest-sso.lock'), String(process.pid));
    expect(() => lockEmbeddedDatabase(dir)).toThrow(EmbeddedDatabaseBusyError);
  });

  it('should be free again the moment its holder is killed (the kernel releases it)', async () => {
    const dir = dataDir();
    const child = await holder(dir);
    expect(() => lockEmbeddedDatabase(dir)).toThrow(EmbeddedDatabaseBusyError);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    lockEmbeddedDatabase(dir)();
  });
});
