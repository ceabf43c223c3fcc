import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { isIP } from 'node:net';
import { Repository } from 'typeorm';
import { Metrics } from '@nest-sso/metrics';
import type { Actor } from './actor';
import { AuthEvent, AuthEventType } from './auth-event.entity';

/** Longest reason stored; reasons are codes from a fixed vocabulary, far shorter. */
const REASON_MAX_LENGTH = 100;

export interface AuthEventInput {
  type: AuthEventType;
  /** Who acted, through which door, from which address. */
  actor: Actor;
  /** The user the event is about; defaults to the actor. */
  userId?: string | null;
  /** The session the event is about; defaults to the actor's own session. */
  sessionId?: string | null;
  reason?: string;
  /** The client the event came through (OAuth client id, DRF-SSO `client_id`), if any. */
  clientId?: string | null;
}

/** An audit row's columns, but for its user and session (those of the session it is about). */
export interface SessionEventColumns {
  type: AuthEventType;
  actorId: string | null;
  via: string;
  ipAddress: string | null;
  reason: string;
}

export interface AuthEventQuery {
  userId?: string;
  limit: number;
}

/** The audit trail of authentication events, in PostgreSQL beside the sessions. */
@Injectable()
export class AuditService {
  private readonly logger = new Logger('Audit');

  constructor(
    @InjectRepository(AuthEvent) private readonly events: Repository<AuthEvent>,
    private readonly metrics: Metrics,
  ) {}

  /**
   * Appends events. A failure to write is logged and swallowed: the audit trail must not turn a
   * login into a 500 (the database being down fails the login on its own anyway).
   */
  async record(...inputs: AuthEventInput[]): Promise<void> {
    if (inputs.length === 0) return;
    for (const input of inputs) {
      this.metrics.authEvents.inc({ type: input.type, reason: reasonLabel(input.reason) });
    }
    try {
      await this.events.insert(
        inputs.map(({ type, actor, userId, sessionId, reason, clientId }) => ({
          type,
          userId: userId === undefined ? actor.userId : userId,
          sessionId: sessionId === undefined ? (actor.sessionId ?? null) : sessionId,
          actorId: actor.userId,
          via: actor.via,
          ipAddress: actor.ipAddress && isIP(actor.ipAddress) ? actor.ipAddress : null,
          reason: (reason ?? '').slice(0, REASON_MAX_LENGTH),
          clientId: clientId || null,
        })),
      );
    } catch (error) {
      this.logger.error(`Could not record ${inputs[0].type} events: ${(error as Error).message}`);
    }
  }

  /**
   * Counts a `login_succeeded`-like event about a session not written yet and returns the
   * columns for the caller to insert in the same statement as that session (see
   * `SessionsService.create`): no round trip of its own, and never a session without its event.
   */
  eventColumns(input: Omit<AuthEventInput, 'sessionId'>): SessionEventColumns {
    this.metrics.authEvents.inc({ type: input.type, reason: reasonLabel(input.reason) });
    const { actor } = input;
    return {
      type: input.type,
      actorId: actor.userId,
      via: actor.via,
      ipAddress: actor.ipAddress && isIP(actor.ipAddress) ? actor.ipAddress : null,
      reason: (input.reason ?? '').slice(0, REASON_MAX_LENGTH),
    };
  }

  /** The most recent events first. */
  list(query: AuthEventQuery): Promise<AuthEvent[]> {
    return this.events.find({
      where: query.userId ? { userId: query.userId } : {},
      order: { at: 'DESC', id: 'DESC' },
      take: query.limit,
    });
  }
}

/**
 * The reason as a metric label: its code only (`membership_set`, not `membership_set <account
 * id>`; nothing for `login_locked`'s `30s`), so that labels stay few and never carry an id, a
 * name or other personal data. The audit row keeps the whole reason.
 */
export function reasonLabel(reason: string | undefined): string {
  const code = (reason ?? '').split(' ')[0];
  return /^[a-z_]+$/.test(code) ? code : '';
}
