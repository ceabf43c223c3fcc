import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './config.errors';
import { parseConfig } from './parse-config';

describe('Secret settings from files (<NAME>_FILE)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'config-files-'));
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content, { mode: 0o600 });
    return path;
  };

  it('should read each secret setting from the file its _FILE variable names, dropping one trailing newline', () => {
    const config = parseConfig({
      DATABASE_URL_FILE: file('database-url', 'postgres://sso:s3cret@db:5432/sso\n'),
      REDIS_URL_FILE: file('redis-url', 'rediss://:pw@cache:6380\r\n'),
      SSO_ADMIN_EMAIL: 'admin@example.com',
      SSO_ADMIN_PASSWORD_FILE: file('admin-password', 'a long admin password\n'),
      SSO_METRICS_TOKEN_FILE: file('metrics-token', 'scrape-token'),
      // The way deploy/ hands them out: newest first, the first signs, the others verify.
      SSO_OIDC_COOKIE_KEYS_FILE: file('oidc-cookie-keys', `${'n'.repeat(43)},${'o'.repeat(43)}\n`),
    });
    expect(config).toMatchObject({
      database: { url: 'postgres://sso:s3cret@db:5432/sso' },
      redisUrl: 'rediss://:pw@cache:6380',
      bootstrapAdmin: { email: 'admin@example.com', password: 'a long admin password' },
      metricsToken: 'scrape-token',
      oidcCookieKeys: ['n'.repeat(43), 'o'.repeat(43)],
    });
  });

  it('should validate a value from a file like one from the environment', () => {
    expect(() => parseConfig({ DATABASE_URL_FILE: file('mysql-url', 'mysql://db/sso') })).toThrow(
      'DATABASE_URL must use the postgres:// scheme',
    );
  });

  it('should leave other variables that end in _FILE alone (they belong to other programs)', () => {
    expect(() =>
      parseConfig({ TF_CLI_CONFIG_FILE: '/nonexistent', SSO_IDENTITY_FILE: '/nonexistent' }),
    ).not.toThrow();
  });

  it.each([
    [
      { DATABASE_URL: 'postgres://db/sso', DATABASE_URL_FILE: '/run/secrets/database-url' },
      'DATABASE_URL_FILE and DATABASE_URL are both set: give only one of them',
    ],
    [
      { SSO_METRICS_TOKEN_FILE: join(dir, 'missing') },
      `SSO_METRICS_TOKEN_FILE names a file that cannot be read (ENOENT: ${join(dir, 'missing')})`,
    ],
    [{ REDIS_URL_FILE: dir }, `REDIS_URL_FILE names a file that cannot be read (EISDIR: ${dir})`],
    [
      { SSO_ADMIN_PASSWORD_FILE: join(dir, 'empty') },
      'SSO_ADMIN_PASSWORD_FILE names an empty file',
    ],
  ])('should refuse %o naming the variable, never the content', (env, message) => {
    file('empty', '\n');
    expect(() => parseConfig(env)).toThrow(ConfigError);
    expect(() => parseConfig(env)).toThrow(message);
  });
});
