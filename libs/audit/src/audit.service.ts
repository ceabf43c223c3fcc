import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { isIP } from 'node:net';
import { Repository } from 'typeorm';
import { Metrics } from '@nest-sso/metrics';
import { AuthEvent, AuthEventType } from './auth-event.entity';

export interface AuthEventInput {
  type: AuthEventType;
  userId?: string | null;
  sessionId?: string | null;
  ipAddress?: string | null;
  reason?: string;
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
      this.metrics.authEvents.inc({ type: input.type, reason: input.reason ?? '' });
    }
    try {
      await this.events.insert(
        inputs.map((input) => ({
          type: input.type,
          userId: input.userId ?? null,
          sessionId: input.sessionId ?? null,
          ipAddress: input.ipAddress && isIP(input.ipAddress) ? input.ipAddress : null,
          reason: (input.reason ?? '').slice(0, 100),
        })),
      );
    } catch (error) {
      this.logger.error(`Could not record ${inputs[0].type} events: ${(error as Error).message}`);
    }
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
