import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EmbeddedDatabaseBusyError, lockEmbeddedDatabase } from './embedded-lock';

describe(lockEmbeddedDatabase.name, () => {
  const dataDir = () => join(mkdtempSync(join(tmpdir(), 'lock-')), 'pglite');

  it('should take a free database and give it back on release', () => {
    const dir = dataDir();
    const release = lockEmbeddedDatabase(dir);
    const lockFile = join(dir, '..', 'nest-sso.lock');
    expect(readFileSync(lockFile, 'utf8')).toBe(String(process.pid));
    release();
    expect(existsSync(lockFile)).toBe(false);
  });

  it('should refuse a database held by another live process, naming it', async () => {
    const dir = dataDir();
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      writeFileSync(join(dir, '..', 'nest-sso.lock'), String(other.pid));
      expect(() => lockEmbeddedDatabase(dir)).toThrow(EmbeddedDatabaseBusyError);
      expect(() => lockEmbeddedDatabase(dir)).toThrow(`in use by process ${other.pid}`);
    } finally {
      other.kill();
      await new Promise((resolve) => other.once('exit', resolve));
    }
  });

  it('should take over a lock left by a process that is gone', () => {
    const dir = dataDir();
    writeFileSync(join(dir, '..', 'nest-sso.lock'), '999999999');
    const release = lockEmbeddedDatabase(dir);
    expect(readFileSync(join(dir, '..', 'nest-sso.lock'), 'utf8')).toBe(String(process.pid));
    release();
  });
});
