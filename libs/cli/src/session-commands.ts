import { SessionAdminUseCase, toAdminSession, UserAdminUseCase } from '@nest-sso/admin';
import { Actors, AuditService } from '@nest-sso/audit';
import { MAX_PAGE_SIZE, SsoError } from '@nest-sso/common';
import type { CliContext } from './cli-context';
import { isUUID } from 'class-validator';
import { CliError, DefineCommand, EXIT, Print, printJson, wholeNumber } from './command';
import { table } from './table';

/** sessions:* and events:list — operators' view of sessions and of the audit trail. */
export function registerSessionCommands(define: DefineCommand, context: CliContext, print: Print) {
  define('sessions:list', "List a user's active sessions")
    .requiredOption('--email <login>', 'email or username')
    .option(
      '--json',
      'print JSON for scripts: {"sessions": [...], "total"}, as GET /admin/users/:id/sessions',
    )
    .action(async (options: { email: string; json?: boolean }) => {
      const app = await context.app();
      const user = await app.get(UserAdminUseCase).getByLogin(options.email);
      const [sessions, total] = await app
        .get(SessionAdminUseCase)
        .list(user.id, { limit: MAX_PAGE_SIZE, offset: 0 });
      if (options.json) {
        return printJson(print, {
          sessions: sessions.map(toAdminSession),
          total,
        });
      }
      if (sessions.length === 0) return print(`${user.email} has no active session`);
      const more = total > sessions.length ? `\n… and ${total - sessions.length} more` : '';
      print(
        table(
          ['session', 'client', 'ip', 'created', 'last used', 'user agent'],
          sessions.map((s) => [
            s.id,
            s.clientId || '-',
            s.ipAddress ?? '-',
            s.createdAt.toISOString(),
            s.lastUsedAt?.toISOString() ?? '-',
            s.userAgent.slice(0, 40) || '-',
          ]),
        ) + more,
      );
    });

  define('sessions:revoke', 'End one session (--id) or every session of a user (--email)')
    .option('--id <session id>', 'the session to end')
    .option('--email <login>', 'email or username: end all their sessions')
    .action(async (options: { id?: string; email?: string }) => {
      if ((options.id === undefined) === (options.email === undefined)) {
        throw new CliError(
          'Give either --id <session id> or --email <email or username>',
          EXIT.usage,
        );
      }
      if (options.id !== undefined && !isUUID(options.id)) {
        throw new CliError(`--id must be a session id, a UUID (got "${options.id}")`, EXIT.usage);
      }
      const app = await context.app();
      const sessions = app.get(SessionAdminUseCase);
      if (options.id !== undefined) {
        await sessions.end(Actors.cli(), options.id).catch((error: unknown) => {
          if (error instanceof SsoError && error.code === 'not_found') {
            throw new CliError(`No active session ${options.id}`, EXIT.notFound);
          }
          throw error;
        });
        return print(`Ended session ${options.id}`);
      }
      const user = await app.get(UserAdminUseCase).getByLogin(options.email!);
      print(`Ended ${await sessions.endAll(Actors.cli(), user.id)} session(s) of ${user.email}`);
    });

  define(
    'events:list',
    'Show recent auth events (logins, lockouts, revocations, denials), newest first',
  )
    .option('--email <login>', 'only the events of this user (email or username)')
    .option('--limit <n>', 'how many events, 1 to 10000', '50')
    .option('--json', 'print JSON for scripts: {"events": [...]}, newest first')
    .action(async (options: { email?: string; limit: string; json?: boolean }) => {
      const limit = wholeNumber('--limit', options.limit, 1, 10_000);
      const app = await context.app();
      const userId = options.email
        ? (await app.get(UserAdminUseCase).getByLogin(options.email)).id
        : undefined;
      const events = await app.get(AuditService).list({ userId, limit });
      if (options.json) {
        return printJson(print, {
          events: events.map((e) => ({
            at: e.at.toISOString(),
            type: e.type,
            user_id: e.userId,
            session_id: e.sessionId,
            actor_id: e.actorId,
            via: e.via,
            ip_address: e.ipAddress,
            reason: e.reason,
            client_id: e.clientId,
          })),
        });
      }
      if (events.length === 0) return print('No events');
      print(
        table(
          ['time', 'event', 'user', 'session', 'actor', 'via', 'ip', 'client', 'reason'],
          events.map((e) => [
            e.at.toISOString(),
            e.type,
            e.userId ?? '-',
            e.sessionId ?? '-',
            e.actorId ?? '-',
            e.via,
            e.ipAddress ?? '-',
            e.clientId ?? '-',
            e.reason || '-',
          ]),
        ),
      );
    });
}
