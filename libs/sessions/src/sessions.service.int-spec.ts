import type { TestingModule } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SsoError } from '@nest-sso/common';
import { createTestContext, insertSession, insertUser } from '../../../test/support/test-context';
import { SessionsModule } from './sessions.module';
import { SessionsService } from './sessions.service';

/** The session queries that every request with a session token runs, against real PostgreSQL. */
describe(SessionsService.name, () => {
  let context: TestingModule;
  let sessions: SessionsService;
  beforeAll(async () => {
    // Idle timeout 121 s (more than twice the 60 s touch interval).
    context = await createTestContext([SessionsModule], { SSO_SESSION_IDLE_TIMEOUT: '121' });
    sessions = context.get(SessionsService);
  });
  afterAll(() => context.close());

  describe('findActive', () => {
    it.each([
      ['never revoked, fresh', {}, true],
      ['revoked in the past', { revokedAt: -1 }, false],
      ['with a scheduled expiry ahead', { revokedAt: 3600 }, true],
      [
        'created long ago, used within the idle timeout',
        { createdAt: -9999, lastUsedAt: -60 },
        true,
      ],
      ['unused past the idle timeout', { createdAt: -9999, lastUsedAt: -200 }, false],
      ['never used, created past the idle timeout', { createdAt: -200 }, false],
    ])('should take a session %s as active: %s', async (_, times, active) => {
      const sid = await insertSession(context, await insertUser(context), times);
      expect((await sessions.findActive(sid))?.id ?? null).toBe(active ? sid : null);
    });

    it('should return the session with its user, in one query', async () => {
      const user = await insertUser(context);
      const sid = await insertSession(context, user);
      const session = await sessions.findActive(sid);
      expect(session).toMatchObject({ id: sid, userId: user, user: { id: user, isActive: true } });
    });
  });

  describe('requireActive', () => {
    it('should give the active session of that user', async () => {
      const user = await insertUser(context);
      const sid = await insertSession(context, user);
      await expect(sessions.requireActive(sid, user)).resolves.toMatchObject({ id: sid });
    });

    it.each([
      ['the session is revoked', { revoked: true, inactive: false, other: false }],
      ['the uid is another user', { revoked: false, inactive: false, other: true }],
      ['the user is inactive', { revoked: false, inactive: true, other: false }],
    ])('should answer session_revoked when %s', async (_, { revoked, inactive, other }) => {
      const user = await insertUser(context, { isActive: !inactive });
      const sid = await insertSession(context, user, revoked ? { revokedAt: -1 } : {});
      const uid = other ? await insertUser(context) : user;
      const refusal = sessions.requireActive(sid, uid);
      await expect(refusal).rejects.toBeInstanceOf(SsoError);
      await expect(refusal).rejects.toMatchObject({ code: 'session_revoked' });
    });
  });

  describe('listActive', () => {
    it('should list only active sessions, most recently used first', async () => {
      const user = await insertUser(context);
      const idle = await insertSession(context, user, { createdAt: -100 });
      const used = await insertSession(context, user, { createdAt: -110, lastUsedAt: -5 });
      const fresh = await insertSession(context, user, { createdAt: -2 });
      await insertSession(context, user, { revokedAt: -1 });
      await insertSession(context, user, { createdAt: -500 });
      const [page, total] = await sessions.listActive(user, { limit: 10, offset: 0 });
      expect([page.map((s) => s.id), total]).toEqual([[fresh, used, idle], 3]);
    });

    it('should give one page at a time, with the total', async () => {
      const user = await insertUser(context);
      const ids = [];
      for (let i = 0; i < 5; i++) ids.push(await insertSession(context, user, { createdAt: -i }));
      const pageOf = async (offset: number) => {
        const [page, total] = await sessions.listActive(user, { limit: 2, offset });
        return [page.map((s) => s.id), total];
      };
      expect(await pageOf(0)).toEqual([ids.slice(0, 2), 5]);
      expect(await pageOf(2)).toEqual([ids.slice(2, 4), 5]);
      expect(await pageOf(4)).toEqual([ids.slice(4), 5]);
      expect(await pageOf(6)).toEqual([[], 5]);
    });
  });

  describe('touch', () => {
    it('should write last_used_at at most once per touch interval', async () => {
      const user = await insertUser(context);
      const sid = await insertSession(context, user, { createdAt: -100, lastUsedAt: -90 });
      const lastUsed = async () =>
        (
          await context
            .get(DataSource)
            .query<{ at: Date }[]>(`SELECT last_used_at AS at FROM sessions WHERE id = $1`, [sid])
        )[0].at.getTime();
      const before = await lastUsed();
      await sessions.touch((await sessions.findActive(sid))!);
      const touched = await lastUsed();
      expect(touched).toBeGreaterThan(before);
      // Within the interval: no write, even when the caller's copy is stale.
      await sessions.touch({ ...(await sessions.findActive(sid))!, lastUsedAt: new Date(before) });
      expect(await lastUsed()).toBe(touched);
    });
  });
});
