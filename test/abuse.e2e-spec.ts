import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hash as argon2Hash } from '@node-rs/argon2';
import { SSO_CONFIG, SsoConfig } from '@nest-sso/config';
import { UsersService } from '@nest-sso/users';
import { createUser, TEST_PASSWORD } from './support/factories';
import { TEST_REDIS_URL } from './support/prerequisites';
import { startTestApp, TestApp } from './support/test-app';

describe('Login lockout', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    const env = { SSO_LOGIN_FREE_ATTEMPTS: '3', SSO_LOGIN_LOCKOUT_BASE: '30' };
    a = await startTestApp({ env });
    b = await startTestApp({ env, share: a });
  });
  afterAll(async () => {
    await b.close();
    await a.close();
  });

  const attempt = (app: TestApp, username: string, password: string) =>
    request(app.app.getHttpServer()).post('/session').send({ username, password });
  const statuses = async (username: string, password: string) => {
    const seen: number[] = [];
    // Alternate between the two instances: the count lives in PostgreSQL, not in either process.
    for (let i = 0; i < 5; i++)
      seen.push((await attempt(i % 2 ? b : a, username, password)).status);
    return seen;
  };

  it('should lock a login name after the free attempts, across instances, the same for unknown names', async () => {
    const user = await createUser(a.app);
    const known = await statuses(user.email, 'wrong password');
    const unknown = await statuses(`nobody-${user.id}@example.com`, 'wrong password');
    expect(known).toEqual([401, 401, 401, 401, 429]);
    expect(unknown).toEqual(known);

    const locked = await attempt(b, user.email, TEST_PASSWORD);
    expect(locked.status).toBe(429);
    expect(locked.body).toEqual({
      statusCode: 429,
      code: 'too_many_attempts',
      message: 'Too many failed attempts for this login; try again later',
    });
    const retryAfter = Number(locked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(25);
    expect(retryAfter).toBeLessThanOrEqual(30);
    // The username names the same user but is another login name: its count is its own.
    expect((await attempt(a, user.username!, TEST_PASSWORD)).status).toBe(200);
  });

  it('should double the lockout with each further failure, and forget it after a success', async () => {
    const user = await createUser(a.app);
    const db = a.app.get(DataSource);
    const expire = () => db.query(`UPDATE login_throttles SET locked_until = now()`);
    for (let i = 0; i < 4; i++) await attempt(a, user.email, 'wrong password');
    await expire();
    const second = await attempt(a, user.email, 'wrong password');
    expect(second.status).toBe(401);
    const retryAfter = Number((await attempt(a, user.email, TEST_PASSWORD)).headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(55);
    expect(retryAfter).toBeLessThanOrEqual(60);

    await expire();
    expect((await attempt(b, user.email, TEST_PASSWORD)).status).toBe(200);
    expect((await attempt(a, user.email, 'wrong password')).status).toBe(401);
    expect((await attempt(a, user.email, TEST_PASSWORD)).status).toBe(200);
  });
});

describe('Password change guessing', () => {
  it('should count wrong current passwords toward the lockout of the email', async () => {
    const t = await startTestApp({ env: { SSO_LOGIN_FREE_ATTEMPTS: '2' } });
    try {
      const user = await createUser(t.app);
      const session = (
        await request(t.app.getHttpServer())
          .post('/session')
          .send({ username: user.email, password: TEST_PASSWORD })
          .expect(200)
      ).body.token as string;
      const change = (current: string) =>
        request(t.app.getHttpServer())
          .post('/password')
          .set('Authorization', `JWT ${session}`)
          .send({ current_password: current, new_password: 'a new long password' });
      const seen = [];
      for (let i = 0; i < 4; i++) seen.push((await change('guess')).status);
      expect(seen).toEqual([400, 400, 400, 429]);
      expect((await change(TEST_PASSWORD)).status).toBe(429);
      const login = await request(t.app.getHttpServer())
        .post('/session')
        .send({ username: user.email, password: TEST_PASSWORD });
      expect(login.status).toBe(429);
    } finally {
      await t.close();
    }
  });
});

describe('Per-IP rate limits', () => {
  const limited = { SSO_RATE_LIMIT_LOGIN: '3', SSO_RATE_LIMIT_AUTHORIZE: '3' };
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL, { lazyConnect: true });
    return redis.connect();
  });
  afterAll(() => redis.quit());
  beforeEach(async () => {
    const keys = await redis.keys('nest-sso:rl:*');
    if (keys.length > 0) await redis.del(...keys);
  });

  const loginStatus = async (app: TestApp, forwardedFor?: string) => {
    const req = request(app.app.getHttpServer()).post('/session');
    if (forwardedFor) req.set('X-Forwarded-For', forwardedFor);
    // A new name each time, so that the login lockout never answers instead of the rate limit.
    return req.send({ username: `nobody-${randomUUID()}@example.com`, password: 'x' });
  };

  it('should refuse the requests of one IP over its budget, in memory per instance by default', async () => {
    const a = await startTestApp({ env: limited });
    const b = await startTestApp({ env: limited, share: a });
    try {
      const seen = [];
      for (let i = 0; i < 4; i++) seen.push((await loginStatus(a)).status);
      expect(seen).toEqual([401, 401, 401, 429]);
      const refused = await loginStatus(a);
      expect(refused.body).toEqual({
        statusCode: 429,
        code: 'rate_limited',
        message: 'Too many requests from this address; try again later',
      });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      // Without Redis each process counts alone.
      expect((await loginStatus(b)).status).toBe(401);
      // The authorize budget is separate, and checked before the token.
      const auth = [];
      for (let i = 0; i < 4; i++)
        auth.push((await request(a.app.getHttpServer()).post('/authorize')).status);
      expect(auth).toEqual([401, 401, 401, 429]);
    } finally {
      await b.close();
      await a.close();
    }
  });

  it('should give POST /password a budget of its own per IP', async () => {
    const t = await startTestApp({ env: { SSO_RATE_LIMIT_PASSWORD: '3' } });
    try {
      const user = await createUser(t.app);
      const session = (
        await request(t.app.getHttpServer())
          .post('/session')
          .send({ username: user.email, password: TEST_PASSWORD })
          .expect(200)
      ).body.token as string;
      const change = () =>
        request(t.app.getHttpServer())
          .post('/password')
          .set('Authorization', `JWT ${session}`)
          .send({ current_password: 'a guess', new_password: 'a new long password' });
      const seen = [];
      for (let i = 0; i < 4; i++) seen.push((await change()).status);
      expect(seen).toEqual([400, 400, 400, 429]);
      const refused = await change();
      expect(refused.body.code).toBe('rate_limited');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await t.close();
    }
  });

  it('should share one budget across instances through Redis', async () => {
    const env = { ...limited, REDIS_URL: TEST_REDIS_URL };
    const a = await startTestApp({ env });
    const b = await startTestApp({ env, share: a });
    try {
      const seen = [
        (await loginStatus(a)).status,
        (await loginStatus(b)).status,
        (await loginStatus(a)).status,
        (await loginStatus(b)).status,
        (await loginStatus(a)).status,
      ];
      expect(seen).toEqual([401, 401, 401, 429, 429]);
      expect(await redis.keys('nest-sso:rl:login*')).toHaveLength(1);
    } finally {
      await b.close();
      await a.close();
    }
  });

  it('should believe X-Forwarded-For only from a trusted proxy', async () => {
    const untrusted = await startTestApp({ env: limited });
    const trusted = await startTestApp({
      env: { ...limited, SSO_TRUSTED_PROXIES: 'loopback' },
      share: untrusted,
    });
    try {
      // Not trusted: a forged header per request does not escape the peer's budget.
      const forged = [];
      for (let i = 0; i < 4; i++)
        forged.push((await loginStatus(untrusted, `198.51.100.${i}`)).status);
      expect(forged).toEqual([401, 401, 401, 429]);

      // Trusted (the peer is loopback): each forwarded client has its own budget.
      for (let i = 0; i < 3; i++) await loginStatus(trusted, '203.0.113.7');
      expect((await loginStatus(trusted, '203.0.113.7')).status).toBe(429);
      expect((await loginStatus(trusted, '203.0.113.8')).status).toBe(401);

      // And the session row stores the client's address, validated.
      const user = await createUser(trusted.app);
      const ok = await request(trusted.app.getHttpServer())
        .post('/session')
        .set('X-Forwarded-For', '203.0.113.9')
        .send({ username: user.email, password: TEST_PASSWORD })
        .expect(200);
      const sid = JSON.parse(
        Buffer.from((ok.body.token as string).split('.')[1], 'base64url').toString(),
      ).sid;
      const [row] = await trusted.app
        .get(DataSource)
        .query(`SELECT ip_address FROM sessions WHERE id = $1`, [sid]);
      expect(row.ip_address).toBe('203.0.113.9');
    } finally {
      await trusted.close();
      await untrusted.close();
    }
  });
});

describe('Password hashes', () => {
  it('should take a password typed as NFC and sent as NFD, and move an old hash to the NFC form', async () => {
    const t = await startTestApp();
    try {
      const password = 'Ünïcödé pässwörd';
      const [nfc, nfd] = [password.normalize('NFC'), password.normalize('NFD')];
      const loginStatus = async (username: string, form: string) =>
        (await request(t.app.getHttpServer()).post('/session').send({ username, password: form }))
          .status;

      const user = await createUser(t.app, { password: nfc });
      expect([await loginStatus(user.email, nfc), await loginStatus(user.email, nfd)]).toEqual([
        200, 200,
      ]);

      // A hash made before normalisation, over the NFD form as it was typed.
      const legacy = await createUser(t.app);
      const hash = await argon2Hash(nfd, t.app.get<SsoConfig>(SSO_CONFIG).argon2);
      await t.app.get(UsersService).setPasswordHash(legacy.id, hash);
      expect(await loginStatus(legacy.email, nfd)).toBe(200);
      expect((await t.app.get(UsersService).findById(legacy.id))!.passwordHash).not.toBe(hash);
      expect(await loginStatus(legacy.email, nfc)).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('should rehash a password at login when the argon2 settings have changed', async () => {
    const cheap = await startTestApp({
      env: { SSO_ARGON2_MEMORY_COST: '8192', SSO_ARGON2_TIME_COST: '1' },
    });
    const current = await startTestApp({ share: cheap });
    try {
      const user = await createUser(cheap.app);
      expect(user.passwordHash).toMatch(/^\$argon2id\$v=19\$m=8192,t=1,p=1\$/);
      await request(current.app.getHttpServer())
        .post('/session')
        .send({ username: user.email, password: TEST_PASSWORD })
        .expect(200);
      const rehashed = (await current.app.get(UsersService).findById(user.id))!.passwordHash;
      expect(rehashed).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
      await request(current.app.getHttpServer())
        .post('/session')
        .send({ username: user.email, password: TEST_PASSWORD })
        .expect(200);
    } finally {
      await current.close();
      await cheap.close();
    }
  });
});
