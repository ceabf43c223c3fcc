import type { TestingModule } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Actor, Actors } from '@nest-sso/audit';
import { PasswordHasher, UsersService } from '@nest-sso/users';
import { createTestContext, insertSession } from '../../../../test/support/test-context';
import { AdminModule } from '../admin.module';
import { AccountAdminUseCase } from './account-admin.use-case';
import { SessionAdminUseCase } from './session-admin.use-case';
import { UserAdminUseCase } from './user-admin.use-case';

/**
 * The operators' use cases, which the admin API and the CLI share: the same checks and the same
 * audit trail whichever door an operator uses (here: the admin API's actor and the CLI's).
 */
describe('Operator use cases', () => {
  let context: TestingModule;
  let users: UserAdminUseCase;
  let accounts: AccountAdminUseCase;
  let sessions: SessionAdminUseCase;
  const admin: Actor = Actors.admin(randomUUID(), randomUUID(), '203.0.113.9');
  const doors: [string, Actor][] = [
    ['admin API', admin],
    ['CLI', Actors.cli()],
  ];

  beforeAll(async () => {
    context = await createTestContext([AdminModule]);
    users = context.get(UserAdminUseCase);
    accounts = context.get(AccountAdminUseCase);
    sessions = context.get(SessionAdminUseCase);
  });
  afterAll(() => context.close());

  const newUser = (actor: Actor = admin) =>
    users.create(actor, { email: `u-${randomUUID()}@example.com`, password: 'a password 123' });
  const eventsOf = (userId: string) =>
    context
      .get(DataSource)
      .query<Record<string, unknown>[]>(
        `SELECT type, session_id, actor_id, via, reason FROM auth_events WHERE user_id = $1 ORDER BY id`,
        [userId],
      );
  const activeSessions = async (userId: string) =>
    (
      await context
        .get(DataSource)
        .query<{ id: string }[]>(
          `SELECT id FROM sessions WHERE user_id = $1 AND (revoked_at IS NULL OR revoked_at > now())`,
          [userId],
        )
    ).length;

  describe.each(doors)('through the %s', (_, actor) => {
    it('should create a user and audit it; a second user with that email is a conflict', async () => {
      const user = await newUser(actor);
      expect(await eventsOf(user.id)).toEqual([
        {
          type: 'admin_action',
          session_id: actor.sessionId ?? null,
          actor_id: actor.userId,
          via: actor.via,
          reason: 'user_created',
        },
      ]);
      await expect(
        users.create(actor, { email: user.email.toUpperCase(), password: 'another one 123' }),
      ).rejects.toMatchObject({ code: 'conflict' });
    });

    it('should deactivate a user, ending every session as user_deactivated', async () => {
      const user = await newUser(actor);
      await insertSession(context, user.id);
      await insertSession(context, user.id);
      const { user: updated, endedSessions } = await users.update(actor, user.id, {
        isActive: false,
      });
      expect([updated.isActive, endedSessions, await activeSessions(user.id)]).toEqual([
        false,
        2,
        0,
      ]);
      const revoked = (await eventsOf(user.id)).filter((e) => e.type === 'session_revoked');
      expect(revoked.map((e) => [e.reason, e.actor_id, e.via])).toEqual([
        ['user_deactivated', actor.userId, actor.via],
        ['user_deactivated', actor.userId, actor.via],
      ]);
    });

    it('should set a password: the new one verifies, and every session ends', async () => {
      const user = await newUser(actor);
      await insertSession(context, user.id);
      expect(await users.setPassword(actor, user.id, 'the new password')).toBe(1);
      const stored = (await context.get(UsersService).findById(user.id))!.passwordHash;
      await expect(context.get(PasswordHasher).verify(stored, 'the new password')).resolves.toBe(
        true,
      );
      expect((await eventsOf(user.id)).map((e) => [e.type, e.reason])).toEqual([
        ['admin_action', 'user_created'],
        ['password_changed', 'reset_by_operator'],
        ['session_revoked', 'password_changed'],
      ]);
    });

    it('should end one session, and answer not_found for it afterwards', async () => {
      const user = await newUser(actor);
      const sid = await insertSession(context, user.id);
      await sessions.end(actor, sid);
      await expect(sessions.end(actor, sid)).rejects.toMatchObject({ code: 'not_found' });
      await expect(sessions.end(actor, 'not-a-uuid')).rejects.toMatchObject({ code: 'not_found' });
    });

    it('should set and remove memberships, by account id or name, audited with the account id', async () => {
      const user = await newUser(actor);
      const account = await accounts.create(actor, `acme-${randomUUID().slice(0, 8)}`);
      const membership = await accounts.setMembership(actor, account.name, user.id, ['a:b']);
      expect(membership).toMatchObject({ accountId: account.id, permissions: ['a:b'] });
      await accounts.removeMembership(actor, account.id, user.id);
      await expect(accounts.removeMembership(actor, account.id, user.id)).rejects.toMatchObject({
        code: 'not_found',
      });
      await expect(
        accounts.setMembership(actor, 'no-such-account', user.id, []),
      ).rejects.toMatchObject({ code: 'not_found', message: 'No account "no-such-account"' });
      expect((await eventsOf(user.id)).map((e) => e.reason)).toEqual([
        'user_created',
        `membership_set ${account.id}`,
        `membership_removed ${account.id}`,
      ]);
    });
  });

  it('should answer not_found for an id that is no user, or not a UUID', async () => {
    await expect(users.get(randomUUID())).rejects.toMatchObject({ code: 'not_found' });
    await expect(users.get('alice')).rejects.toMatchObject({ code: 'not_found' });
    await expect(users.getByLogin('nobody@example.com')).rejects.toMatchObject({
      code: 'not_found',
    });
  });
});
