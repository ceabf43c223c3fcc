import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditService } from '@nest-sso/audit';
import { createUser, TEST_PASSWORD } from './support/factories';
import { decodePart, login } from './support/http';
import { startTestApp, TestApp } from './support/test-app';

const sidOf = (token: string) => decodePart(token, 1).sid as string;

describe('Session management', () => {
  let t: TestApp;
  /** A second server instance on the same database and keys: its own pool, its own memory. */
  let replica: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    replica = await startTestApp({ share: t });
  });
  afterAll(async () => {
    await replica.close();
    await t.close();
  });

  const http = (app = t) => request(app.app.getHttpServer());
  const authorizeStatus = async (token: string, app = t) =>
    (await http(app).post('/authorize').set('Authorization', `JWT ${token}`)).status;

  it("should list the caller's active sessions, marking the current one, and nobody else's", async () => {
    const user = await createUser(t.app);
    const first = await http()
      .post('/session')
      .set('User-Agent', 'phone-app/1.0')
      .send({ username: user.email, password: TEST_PASSWORD, client_id: 'phone' })
      .expect(200);
    const second = await login(t.app, user.email);
    const revoked = await login(t.app, user.email);
    await http().post('/logout').set('Authorization', `JWT ${revoked}`).expect(204);
    await login(t.app, (await createUser(t.app)).email); // someone else's session

    const response = await http()
      .get('/sessions')
      .set('Authorization', `JWT ${second}`)
      .expect(200);
    expect(response.body.sessions).toHaveLength(2);
    const byId = Object.fromEntries(
      (response.body.sessions as { id: string }[]).map((s) => [s.id, s]),
    );
    expect(byId[sidOf(second)]).toMatchObject({ current: true });
    expect(byId[sidOf(first.body.token as string)]).toEqual({
      id: sidOf(first.body.token as string),
      client_id: 'phone',
      user_agent: 'phone-app/1.0',
      ip_address: expect.stringMatching(/127\.0\.0\.1$/),
      created_at: expect.any(String),
      last_used_at: null,
      current: false,
    });
  });

  it("should revoke one of my sessions, and answer 404 for anyone else's, leaving it working", async () => {
    const me = await createUser(t.app);
    const mine = await login(t.app, me.email);
    const myOther = await login(t.app, me.email);
    const theirs = await login(t.app, (await createUser(t.app)).email);
    const del = (id: string) =>
      http().delete(`/sessions/${id}`).set('Authorization', `JWT ${mine}`);

    const notFound = await del(sidOf(theirs)).expect(404);
    expect(notFound.body).toEqual({
      statusCode: 404,
      code: 'not_found',
      message: 'No such session',
    });
    expect(await authorizeStatus(theirs)).toBe(200);
    await del(randomUUID()).expect(404);
    await del('not-a-uuid').expect(404);

    await del(sidOf(myOther)).expect(204);
    expect(await authorizeStatus(myOther)).toBe(401);
    await del(sidOf(myOther)).expect(404); // already ended
    expect(await authorizeStatus(mine)).toBe(200);
  });

  it('should list the sessions a page at a time, with the total, not all at once', async () => {
    const user = await createUser(t.app);
    const token = await login(t.app, user.email);
    // Many sessions, as a client that logs in on every run leaves behind.
    await t.app.get(DataSource).query(
      `INSERT INTO sessions (user_id, created_at)
       SELECT $1, now() - make_interval(secs => n) FROM generate_series(1, 60) AS n`,
      [user.id],
    );
    const page = async (query: string) =>
      (await http().get(`/sessions${query}`).set('Authorization', `JWT ${token}`).expect(200))
        .body as { sessions: { id: string; current: boolean }[]; total: number };
    const first = await page('');
    expect([first.sessions.length, first.total]).toEqual([50, 61]);
    expect(first.sessions[0]).toMatchObject({ id: sidOf(token), current: true });
    const rest = await page('?limit=50&offset=50');
    expect([rest.sessions.length, rest.total]).toEqual([11, 61]);
    const ids = new Set([...first.sessions, ...rest.sessions].map((s) => s.id));
    expect(ids.size).toBe(61);
  });

  it('should end the current session on logout, on every replica at once', async () => {
    const user = await createUser(t.app);
    const token = await login(t.app, user.email);
    expect(await authorizeStatus(token, replica)).toBe(200);
    await http().post('/logout').set('Authorization', `JWT ${token}`).expect(204);
    const refused = await http(replica).post('/authorize').set('Authorization', `JWT ${token}`);
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('session_revoked');
    await http(replica).get('/me').set('Authorization', `JWT ${token}`).expect(401);
  });

  it('should log out everywhere, optionally keeping the current session', async () => {
    const user = await createUser(t.app);
    const [a, b, c] = [
      await login(t.app, user.email),
      await login(t.app, user.email),
      await login(t.app, user.email),
    ];
    const kept = await http()
      .delete('/sessions?keep_current=true')
      .set('Authorization', `JWT ${a}`)
      .expect(200);
    expect(kept.body).toEqual({ revoked: 2 });
    expect([await authorizeStatus(a), await authorizeStatus(b), await authorizeStatus(c)]).toEqual([
      200, 401, 401,
    ]);
    const all = await http().delete('/sessions').set('Authorization', `JWT ${a}`).expect(200);
    expect(all.body).toEqual({ revoked: 1 });
    expect(await authorizeStatus(a)).toBe(401);

    const bad = await http()
      .delete('/sessions?keep_current=maybe')
      .set('Authorization', `JWT ${await login(t.app, user.email)}`)
      .expect(400);
    expect(bad.body.code).toBe('validation_failed');
  });

  it('should change the password given the current one, ending the other sessions', async () => {
    const user = await createUser(t.app);
    const current = await login(t.app, user.email);
    const other = await login(t.app, user.email);
    const post = (body: object) =>
      http().post('/password').set('Authorization', `JWT ${current}`).send(body);

    const wrong = await post({ current_password: 'nope', new_password: 'a new long password' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.code).toBe('wrong_password');
    expect((await post({ current_password: TEST_PASSWORD, new_password: 'short' })).status).toBe(
      400,
    );
    expect(await authorizeStatus(other)).toBe(200);

    const changed = await post({
      current_password: TEST_PASSWORD,
      new_password: 'a new long password',
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual({ revoked_sessions: 1 });
    expect(await authorizeStatus(other)).toBe(401);
    expect(await authorizeStatus(current)).toBe(200);
    const events = (await t.app.get(AuditService).list({ userId: user.id, limit: 10 })).filter(
      (e) => e.type === 'password_changed' || e.type === 'session_revoked',
    );
    expect(events.map((e) => [e.type, e.reason, e.actorId, e.via]).reverse()).toEqual([
      ['password_changed', 'changed_by_user', user.id, 'api'],
      ['session_revoked', 'password_changed', user.id, 'api'],
    ]);
    await http()
      .post('/session')
      .send({ username: user.email, password: TEST_PASSWORD })
      .expect(401);
    await login(t.app, user.email, 'a new long password');
  });

  it('should record what happened in the audit trail, never a token or a password', async () => {
    const user = await createUser(t.app);
    await http()
      .post('/session')
      .send({ username: user.email, password: 'wrong password' })
      .expect(401);
    const token = await login(t.app, user.email);
    await http().post('/logout').set('Authorization', `JWT ${token}`).expect(204);
    await http().post('/authorize').set('Authorization', `JWT ${token}`).expect(401);

    const events = await t.app.get(AuditService).list({ userId: user.id, limit: 10 });
    expect(events.map((e) => [e.type, e.reason]).reverse()).toEqual([
      ['login_failed', 'wrong_password'],
      ['login_succeeded', ''],
      ['session_revoked', 'logout'],
      ['authorize_denied', 'session_revoked'],
    ]);
    expect(events.every((e) => e.sessionId === null || e.sessionId === sidOf(token))).toBe(true);
    const rows = JSON.stringify(
      await t.app.get(DataSource).query(`SELECT * FROM auth_events WHERE user_id = $1`, [user.id]),
    );
    for (const secret of [
      token,
      token.split('.')[2],
      TEST_PASSWORD,
      'wrong password',
      user.email,
    ]) {
      expect(rows).not.toContain(secret);
    }
  });
});

describe('The default session cap', () => {
  it('should keep at most 100 active sessions per user with default settings', async () => {
    const t = await startTestApp();
    try {
      const user = await createUser(t.app);
      const db = t.app.get(DataSource);
      await db.query(
        `INSERT INTO sessions (user_id, created_at)
         SELECT $1, now() - make_interval(secs => n) FROM generate_series(1, 100) AS n`,
        [user.id],
      );
      const token = await login(t.app, user.email);
      const [{ active }] = await db.query<{ active: number }[]>(
        `SELECT count(*)::int AS active FROM sessions WHERE user_id = $1 AND revoked_at IS NULL`,
        [user.id],
      );
      expect(active).toBe(100);
      // The oldest one made room, as session_limit; the new one is active.
      const [oldest] = await db.query<{ revoked_reason: string }[]>(
        `SELECT revoked_reason FROM sessions WHERE user_id = $1 ORDER BY created_at LIMIT 1`,
        [user.id],
      );
      expect(oldest.revoked_reason).toBe('session_limit');
      await request(t.app.getHttpServer())
        .post('/authorize')
        .set('Authorization', `JWT ${token}`)
        .expect(200);
    } finally {
      await t.close();
    }
  });
});

describe('Session limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: { SSO_MAX_SESSIONS_PER_USER: '2', SSO_SESSION_IDLE_TIMEOUT: '3600' },
    });
  });
  afterAll(() => t.close());
  const authorizeStatus = async (token: string) =>
    (await request(t.app.getHttpServer()).post('/authorize').set('Authorization', `JWT ${token}`))
      .status;

  it('should revoke the oldest session when a login goes over the cap', async () => {
    const user = await createUser(t.app);
    const oldest = await login(t.app, user.email);
    const middle = await login(t.app, user.email);
    const newest = await login(t.app, user.email);
    expect([
      await authorizeStatus(oldest),
      await authorizeStatus(middle),
      await authorizeStatus(newest),
    ]).toEqual([401, 200, 200]);
    const [row] = await t.app
      .get(DataSource)
      .query(`SELECT revoked_reason FROM sessions WHERE id = $1`, [sidOf(oldest)]);
    expect(row.revoked_reason).toBe('session_limit');
  });

  it('should refuse a session left unused longer than the idle timeout, and keep a used one', async () => {
    const user = await createUser(t.app);
    const idle = await login(t.app, user.email);
    const busy = await login(t.app, user.email);
    const age = (token: string, seconds: number) =>
      t.app.get(DataSource).query(
        `UPDATE sessions SET created_at = now() - make_interval(secs => $2),
                last_used_at = now() - make_interval(secs => $2) WHERE id = $1`,
        [sidOf(token), seconds],
      );
    await age(idle, 3601);
    await age(busy, 3000);
    expect(await authorizeStatus(idle)).toBe(401);
    expect(await authorizeStatus(busy)).toBe(200);
  });
});
