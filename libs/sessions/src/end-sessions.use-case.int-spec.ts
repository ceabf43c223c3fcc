import type { TestingModule } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Actor, Actors } from '@nest-sso/audit';
import { createTestContext, insertSession, insertUser } from '../../../test/support/test-context';
import { EndSessionsUseCase } from './end-sessions.use-case';
import { SessionsModule } from './sessions.module';

describe(EndSessionsUseCase.name, () => {
  let context: TestingModule;
  let endSessions: EndSessionsUseCase;
  const admin: Actor = Actors.admin(
    '00000000-0000-4000-8000-00000000000a',
    '00000000-0000-4000-8000-00000000000b',
    '192.0.2.7',
  );

  beforeAll(async () => {
    context = await createTestContext([SessionsModule]);
    endSessions = context.get(EndSessionsUseCase);
  });
  afterAll(() => context.close());

  const row = async (id: string) =>
    (
      await context
        .get(DataSource)
        .query<{ revoked: boolean; reason: string | null }[]>(
          `SELECT revoked_at <= now() AS revoked, revoked_reason AS reason FROM sessions WHERE id = $1`,
          [id],
        )
    )[0];
  const eventsOf = (userId: string) =>
    context.get(DataSource).query<Record<string, unknown>[]>(
      `SELECT type, user_id, session_id, actor_id, via, ip_address, reason
         FROM auth_events WHERE user_id = $1 ORDER BY id`,
      [userId],
    );

  describe('one', () => {
    it('should end an active session and record one event naming the owner, the actor and the reason', async () => {
      const user = await insertUser(context);
      const sid = await insertSession(context, user);
      await expect(endSessions.one(sid, 'operator', admin)).resolves.toBe(true);
      expect(await row(sid)).toEqual({ revoked: true, reason: 'operator' });
      expect(await eventsOf(user)).toEqual([
        {
          type: 'session_revoked',
          user_id: user,
          session_id: sid,
          actor_id: admin.userId,
          via: 'admin_api',
          ip_address: '192.0.2.7',
          reason: 'operator',
        },
      ]);
    });

    it('should do nothing, and record nothing, for a session already ended or unknown', async () => {
      const user = await insertUser(context);
      const sid = await insertSession(context, user, { revokedAt: -10 });
      await expect(endSessions.one(sid, 'operator', admin)).resolves.toBe(false);
      await expect(
        endSessions.one('00000000-0000-4000-8000-000000000000', 'operator', admin),
      ).resolves.toBe(false);
      expect(await eventsOf(user)).toEqual([]);
    });

    it("should refuse another user's session when an owner is given, and leave it active", async () => {
      const [owner, other] = [await insertUser(context), await insertUser(context)];
      const sid = await insertSession(context, owner);
      await expect(
        endSessions.one(sid, 'revoked_by_user', Actors.user(other), other),
      ).resolves.toBe(false);
      expect(await row(sid)).toEqual({ revoked: null, reason: null });
      await expect(
        endSessions.one(sid, 'revoked_by_user', Actors.user(owner), owner),
      ).resolves.toBe(true);
    });

    it('should bring a scheduled expiry forward to now', async () => {
      const user = await insertUser(context);
      const sid = await insertSession(context, user, { revokedAt: 3600 });
      await expect(endSessions.one(sid, 'logout', Actors.user(user))).resolves.toBe(true);
      expect(await row(sid)).toEqual({ revoked: true, reason: 'logout' });
    });
  });

  describe('allOf', () => {
    it("should end every active session of the user but the one kept, and nobody else's", async () => {
      const [user, other] = [await insertUser(context), await insertUser(context)];
      const kept = await insertSession(context, user);
      const a = await insertSession(context, user);
      const b = await insertSession(context, user, { revokedAt: 600 });
      await insertSession(context, user, { revokedAt: -60 });
      const others = await insertSession(context, other);

      const ended = await endSessions.allOf(user, 'password_changed', Actors.cli(), kept);
      expect(ended.sort()).toEqual([a, b].sort());
      expect((await row(kept)).revoked).toBeNull();
      expect((await row(others)).revoked).toBeNull();
      const events = await eventsOf(user);
      expect(events.map((e) => [e.session_id, e.reason, e.via, e.actor_id]).sort()).toEqual(
        [
          [a, 'password_changed', 'cli', null],
          [b, 'password_changed', 'cli', null],
        ].sort(),
      );
      expect(await endSessions.allOf(user, 'password_changed', Actors.cli(), kept)).toEqual([]);
    });
  });

  describe('beyond', () => {
    it('should keep the newest sessions and end the older ones as session_limit', async () => {
      const user = await insertUser(context);
      const oldest = await insertSession(context, user, { createdAt: -300 });
      const older = await insertSession(context, user, { createdAt: -200 });
      const newer = await insertSession(context, user, { createdAt: -100 });
      const newest = await insertSession(context, user, { createdAt: 0 });

      const ended = await endSessions.beyond(user, 2, Actors.user(user, '198.51.100.1'));
      expect(ended.sort()).toEqual([oldest, older].sort());
      expect([(await row(newer)).revoked, (await row(newest)).revoked]).toEqual([null, null]);
      expect((await eventsOf(user)).map((e) => [e.reason, e.actor_id, e.ip_address])).toEqual([
        ['session_limit', user, '198.51.100.1'],
        ['session_limit', user, '198.51.100.1'],
      ]);
    });
  });
});
