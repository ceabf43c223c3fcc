import { AuditService, AuthEvent } from '@nest-sso/audit';
import { RevocationReason, Session, SessionsService } from '@nest-sso/sessions';
import { PasswordHasher, UsersService } from '@nest-sso/users';
import type { CliContext, Command } from './commands';
import { table } from './table';

/** Operators' view of sessions, passwords and the audit trail. */
export const SESSION_COMMANDS: Record<string, Command> = {
  'users:deactivate': {
    summary:
      'Deactivate a user and end all their sessions: logins and authorize calls fail from now on',
    usage: '--email <email or username>',
    required: ['email'],
    async run(context, flags) {
      const app = await context.app();
      const user = await app.get(UsersService).setActive(flags.email!, false);
      const ended = await revokeAll(context, user.id, 'user_deactivated');
      return `Deactivated user ${user.id} <${user.email}>; ended ${ended} session(s)`;
    },
  },
  'users:set-password': {
    summary: "Set a user's password and end all their sessions",
    usage: "--email <email or username> (--password '<password>' | --password-stdin)",
    required: ['email', 'password'],
    async run(context, flags) {
      const app = await context.app();
      const users = app.get(UsersService);
      const user = await users.getByLogin(flags.email!);
      await users.setPasswordHash(user.id, await app.get(PasswordHasher).hash(flags.password!));
      await app
        .get(AuditService)
        .record({ type: 'password_changed', userId: user.id, reason: 'operator' });
      const ended = await revokeAll(context, user.id, 'password_changed');
      return `Set the password of ${user.email}; ended ${ended} session(s)`;
    },
  },
  'sessions:list': {
    summary: "List a user's active sessions",
    usage: '--email <email or username>',
    required: ['email'],
    async run(context, flags) {
      const app = await context.app();
      const user = await app.get(UsersService).getByLogin(flags.email!);
      const sessions = await app.get(SessionsService).listActive(user.id);
      if (sessions.length === 0) return `${user.email} has no active session`;
      return table(
        ['session', 'client', 'ip', 'created', 'last used', 'user agent'],
        sessions.map((s: Session) => [
          s.id,
          s.clientId || '-',
          s.ipAddress ?? '-',
          s.createdAt.toISOString(),
          s.lastUsedAt?.toISOString() ?? '-',
          s.userAgent.slice(0, 40) || '-',
        ]),
      );
    },
  },
  'sessions:revoke': {
    summary: 'End one session (--id) or every session of a user (--email)',
    usage: '(--id <session id> | --email <email or username>)',
    required: [],
    async run(context, flags) {
      const app = await context.app();
      if (flags.id) {
        const session = await app
          .get(SessionsService)
          .findById(flags.id)
          .catch(() => null);
        if (!session || !(await app.get(SessionsService).revokeById(session.id, 'operator'))) {
          throw new Error(`No active session ${flags.id}`);
        }
        await recordRevoked(context, session.userId, [session.id], 'operator');
        return `Ended session ${session.id}`;
      }
      if (flags.email) {
        const user = await app.get(UsersService).getByLogin(flags.email);
        return `Ended ${await revokeAll(context, user.id, 'operator')} session(s) of ${user.email}`;
      }
      throw new Error('Give --id <session id> or --email <email or username>');
    },
  },
  'events:list': {
    summary: 'Show recent auth events (logins, lockouts, revocations, denials), newest first',
    usage: '[--email <email or username>] [--limit 50]',
    required: [],
    async run(context, flags) {
      const app = await context.app();
      const limit = Number(flags.limit ?? 50);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
        throw new Error(`--limit must be a whole number from 1 to 10000 (got "${flags.limit}")`);
      }
      const userId = flags.email
        ? (await app.get(UsersService).getByLogin(flags.email)).id
        : undefined;
      const events = await app.get(AuditService).list({ userId, limit });
      if (events.length === 0) return 'No events';
      return table(
        ['time', 'event', 'user', 'session', 'ip', 'reason'],
        events.map((e: AuthEvent) => [
          e.at.toISOString(),
          e.type,
          e.userId ?? '-',
          e.sessionId ?? '-',
          e.ipAddress ?? '-',
          e.reason || '-',
        ]),
      );
    },
  },
};

async function revokeAll(
  context: CliContext,
  userId: string,
  reason: RevocationReason,
): Promise<number> {
  const app = await context.app();
  const ended = await app.get(SessionsService).revokeAll(userId, reason);
  await recordRevoked(context, userId, ended, reason);
  return ended.length;
}

async function recordRevoked(
  context: CliContext,
  userId: string,
  sessionIds: string[],
  reason: RevocationReason,
): Promise<void> {
  const app = await context.app();
  await app.get(AuditService).record(
    ...sessionIds.map((sessionId) => ({
      type: 'session_revoked' as const,
      userId,
      sessionId,
      reason,
    })),
  );
}
